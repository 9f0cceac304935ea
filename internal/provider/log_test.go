package provider

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// TestSecretContext_masksEveryForm writes log lines that quote the secrets
// the way a URL or an echoed request body shows them, through the adapter
// the API client logs with, and checks that the masks cover every form, not
// only the raw one.
func TestSecretContext_masksEveryForm(t *testing.T) {
	const token, password = "mask-SECRET tok+é", `mask-SECRET "pw"<&>`
	var out bytes.Buffer
	ctx := secretContext(tflogtest.RootLogger(t.Context(), &out), token, password)

	var forms []string
	for _, secret := range []string{token, password} {
		forms = append(forms, secretRenderings(secret)[:4]...) // the forms on the wire
	}
	for _, form := range forms {
		tflogAdapter{}.Warn(ctx, "CleverMaps API call failed: GET /rest/accounts/passwordReset/"+form,
			map[string]any{"error": "malformed header: " + form + " HTTP/1.1", "operation": "verify reset token"})
	}

	lines, err := tflogtest.MultilineJSONDecode(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(forms) {
		t.Fatalf("%d log lines, want %d: the check below would read nothing", len(lines), len(forms))
	}
	for _, line := range lines {
		// What is not secret stays readable.
		if line["operation"] != "verify reset token" || !strings.Contains(fmt.Sprint(line["@message"]), "passwordReset/") ||
			!strings.Contains(fmt.Sprint(line["error"]), "HTTP/1.1") {
			t.Errorf("line %v lost what is not secret", line)
		}
		// The decoded values, so that the log's own JSON escaping cannot
		// hide a form from the check.
		for key, value := range line {
			s := fmt.Sprint(value)
			for _, form := range forms {
				if strings.Contains(s, form) {
					t.Errorf("log field %s = %q shows a secret as %q", key, s, form)
				}
			}
			if strings.Contains(s, "SECRET") {
				t.Errorf("log field %s = %q shows part of a secret", key, s)
			}
		}
	}
}
