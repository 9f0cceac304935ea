package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The bad-input matrix runs each value through the provider's real
// validation RPCs and checks three things: an error, on the right attribute
// path, and not a single request at the API.

// expectAttrError fails unless diags hold an error whose attribute path
// starts at attr. No diagnostic may repeat secret (when it is long enough
// not to occur in ordinary prose, such as "." would).
func expectAttrError(t *testing.T, diags []*tfprotov6.Diagnostic, attr, secret string) {
	t.Helper()
	for _, d := range diags {
		if len(secret) >= 4 && (strings.Contains(d.Summary, secret) || strings.Contains(d.Detail, secret)) {
			t.Errorf("a diagnostic repeats the secret value: %s: %s", d.Summary, d.Detail)
		}
	}
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && d.Attribute != nil &&
			strings.HasPrefix(d.Attribute.String(), `AttributeName("`+attr+`")`) {
			return
		}
	}
	t.Errorf("want an error at %s, got:\n%s", attr, diagText(diags))
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func TestValidation_emails(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	bad := map[string]string{
		"empty":            "",
		"spaces":           "ada lovelace@example.com",
		"leading space":    " ada@example.com",
		"no at":            "ada.example.com",
		"no domain":        "ada@",
		"domain no dot":    "ada@localhost",
		"nothing before @": "@example.com",
		"display name":     "Ada <ada@example.com>",
		"control char":     "ada\x07@example.com",
		"newline":          "ada@example.com\nbcc: eve@example.com",
		"over 254":         strings.Repeat("a", 60) + "@" + strings.Repeat("b", 190) + ".com",
		"double dot":       "ada@example..com",
	}
	for name, email := range bad {
		t.Run(name, func(t *testing.T) {
			diags := ps.validateResource(t, "clevermaps_password_reset_request", map[string]tftypes.Value{"email": str(email)})
			expectAttrError(t, diags, "email", "")
			diags = ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{"email": str(email)}).diagnostics
			expectAttrError(t, diags, "email", "")
		})
	}
	for _, good := range []string{"ada@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie"} {
		diags := ps.validateResource(t, "clevermaps_password_reset_request", map[string]tftypes.Value{"email": str(good)})
		if hasErrors(diags) {
			t.Errorf("%q rejected:\n%s", good, diagText(diags))
		}
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}

func TestValidation_batchEmails(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	list := func(vs ...tftypes.Value) map[string]tftypes.Value {
		return map[string]tftypes.Value{"emails": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vs)}
	}
	tooMany := make([]tftypes.Value, maxBatchEmails+1)
	for i := range tooMany {
		tooMany[i] = str(fmt.Sprintf("user%d@example.com", i))
	}
	bad := map[string]map[string]tftypes.Value{
		"empty list":  list(),
		"null inside": list(str("ada@example.com"), tftypes.NewValue(tftypes.String, nil)),
		"bad address": list(str("ada@example.com"), str("ada.example.com")),
		"too many":    list(tooMany...),
	}
	for name, attrs := range bad {
		t.Run(name, func(t *testing.T) {
			expectAttrError(t, ps.validateResource(t, "clevermaps_password_reset_requests", attrs), "emails", "")
		})
	}
	// Repeats are allowed: `emails` has set semantics.
	if diags := ps.validateResource(t, "clevermaps_password_reset_requests", list(str("ada@example.com"), str("ADA@example.com"))); hasErrors(diags) {
		t.Errorf("repeated address rejected:\n%s", diagText(diags))
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}

func TestValidation_tokens(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	bad := map[string]string{
		"empty":     "",
		"slash":     "abc/def",
		"dot dot":   "..",
		"dots in":   "abc..def",
		"single .":  ".",
		"question":  "abc?x=1",
		"hash":      "abc#frag",
		"percent":   "abc%2Fdef",
		"newline":   "abc\ndef",
		"tab":       "abc\tdef",
		"backslash": `abc\def`,
		"too long":  strings.Repeat("t", maxTokenLength+1),
	}
	for name, token := range bad {
		t.Run(name, func(t *testing.T) {
			diags := ps.validateDataSource(t, "clevermaps_reset_token", map[string]tftypes.Value{"token": str(token)})
			expectAttrError(t, diags, "token", token)
			diags = ps.validateResource(t, "clevermaps_password_reset", map[string]tftypes.Value{
				"token_wo": str(token), "new_password_wo": str("long-enough-pw"),
			})
			expectAttrError(t, diags, "token_wo", token)
			diags = ps.validateResource(t, "clevermaps_password_reset", map[string]tftypes.Value{
				"token": str(token), "new_password": str("long-enough-pw"),
			})
			expectAttrError(t, diags, "token", token)
		})
	}
	for _, good := range []string{"aZ09-_", "tok+en=with:odd@chars é", "~!$&'()*,;"} {
		if diags := ps.validateDataSource(t, "clevermaps_reset_token", map[string]tftypes.Value{"token": str(good)}); hasErrors(diags) {
			t.Errorf("%q rejected:\n%s", good, diagText(diags))
		}
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}

func TestValidation_passwords(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	long := strings.Repeat("p", maxPasswordLength+1)
	for name, pw := range map[string]string{"empty": "", "over 100": long, "over 100 runes": strings.Repeat("é", maxPasswordLength+1)} {
		t.Run(name, func(t *testing.T) {
			diags := ps.validateResource(t, "clevermaps_password_reset", map[string]tftypes.Value{"token_wo": str("tok"), "new_password_wo": str(pw)})
			expectAttrError(t, diags, "new_password_wo", pw)
			diags = ps.validateResource(t, "clevermaps_password_reset", map[string]tftypes.Value{"token": str("tok"), "new_password": str(pw)})
			expectAttrError(t, diags, "new_password", pw)
		})
	}
	// 100 multi-byte characters are within the API's limit of 100 characters.
	if diags := ps.validateResource(t, "clevermaps_password_reset", map[string]tftypes.Value{
		"token_wo": str("tok"), "new_password_wo": str(strings.Repeat("é", maxPasswordLength)),
	}); hasErrors(diags) {
		t.Errorf("100 two-byte characters rejected:\n%s", diagText(diags))
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}

func TestValidation_providerSettings(t *testing.T) {
	t.Setenv(EndpointEnvVar, "") // Validation must not find an endpoint elsewhere.
	ps := newProtocolServer(t, map[string]tftypes.Value{"endpoint": str(unusedEndpoint)})
	retryType := ps.providerType.AttributeTypes["retry"].(tftypes.Object) //nolint:forcetypeassert // retry is a single nested attribute.
	retry := func(attempts, minMs, maxMs any) tftypes.Value {
		v := func(x any) tftypes.Value { return tftypes.NewValue(tftypes.Number, x) }
		return tftypes.NewValue(retryType, map[string]tftypes.Value{"attempts": v(attempts), "min_delay_ms": v(minMs), "max_delay_ms": v(maxMs)})
	}
	cases := map[string]struct {
		attrs map[string]tftypes.Value
		path  string
	}{
		"endpoint without scheme":  {map[string]tftypes.Value{"endpoint": str("secure.clevermaps.io/rest")}, "endpoint"},
		"endpoint with ftp scheme": {map[string]tftypes.Value{"endpoint": str("ftp://secure.clevermaps.io/rest")}, "endpoint"},
		"endpoint with userinfo":   {map[string]tftypes.Value{"endpoint": str("https://u:p@secure.clevermaps.io/rest")}, "endpoint"},
		"endpoint with query":      {map[string]tftypes.Value{"endpoint": str("https://secure.clevermaps.io/rest?a=b")}, "endpoint"},
		"endpoint with fragment":   {map[string]tftypes.Value{"endpoint": str("https://secure.clevermaps.io/rest#x")}, "endpoint"},
		"negative attempts":        {map[string]tftypes.Value{"retry": retry(-1, nil, nil)}, "retry"},
		"too many attempts":        {map[string]tftypes.Value{"retry": retry(21, nil, nil)}, "retry"},
		"negative min delay":       {map[string]tftypes.Value{"retry": retry(nil, -5, nil)}, "retry"},
		"inverted delays":          {map[string]tftypes.Value{"retry": retry(nil, 5000, 10)}, "retry"},
		"negative timeout":         {map[string]tftypes.Value{"request_timeout_ms": tftypes.NewValue(tftypes.Number, -1)}, "request_timeout_ms"},
		"negative rate":            {map[string]tftypes.Value{"requests_per_second": tftypes.NewValue(tftypes.Number, -0.5)}, "requests_per_second"},
		"zero max concurrent":      {map[string]tftypes.Value{"max_concurrent_requests": tftypes.NewValue(tftypes.Number, 0)}, "max_concurrent_requests"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, ok := tc.attrs["endpoint"]; !ok {
				tc.attrs["endpoint"] = str(unusedEndpoint)
			}
			diags := ps.validateProvider(t, tc.attrs)
			expectAttrError(t, diags, tc.path, "")
			if len(diags) != 1 {
				t.Errorf("want only the error at %s, got:\n%s", tc.path, diagText(diags))
			}
		})
	}
	if diags := ps.validateProvider(t, map[string]tftypes.Value{"endpoint": str("https://staging.dev.clevermaps.io/rest"), "retry": retry(3, 100, 100)}); hasErrors(diags) {
		t.Errorf("valid settings rejected:\n%s", diagText(diags))
	}
	// attempts counts retries, so 0 (no retries) and 20 are allowed.
	for _, attempts := range []int{0, 20} {
		if diags := ps.validateProvider(t, map[string]tftypes.Value{"endpoint": str(unusedEndpoint), "retry": retry(attempts, nil, nil)}); hasErrors(diags) {
			t.Errorf("retry.attempts = %d rejected:\n%s", attempts, diagText(diags))
		}
	}
}
