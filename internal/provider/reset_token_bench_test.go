package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// benchAccountJSON is an account as the API serves it, every field the
// provider reads filled in (the nested objects are what cost).
const benchAccountJSON = `{
  "id": "k3v9q2m7x4p8r1ta",
  "fullName": "Ada Lovelace",
  "email": "ada@example.com",
  "consentGranted": true,
  "status": "ENABLED",
  "anonymous": false,
  "phoneNumber": "+420777123456",
  "preferences": {
    "language": "en",
    "lastActiveProject": "p7w2n5c8d1f4g6hj",
    "lastActiveOrganization": "o2b6e9k1m3s5u7wy",
    "sendNewsletter": true
  },
  "onboarding": {"introShown": ["dashboard", "map"], "tipsShown": ["filters", "indicators", "export"]},
  "links": [{"rel": "self", "href": "/rest/accounts/k3v9q2m7x4p8r1ta"}]
}`

// BenchmarkResetTokenRead times the provider's side of what Terraform core
// asks of one data "clevermaps_reset_token": validating its configuration and
// reading it. The server answers every verification at once with a fixed
// account and keeps nothing, so what is measured is the provider (protocol
// decoding, the framework, the client, building the state value) plus one
// loopback round trip. `make bench` compares the same reads under a real CLI
// with hashicorp/http's data source.
func BenchmarkResetTokenRead(b *testing.B) {
	const typeName = "clevermaps_reset_token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/rest/accounts/passwordReset/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchAccountJSON)
	}))
	b.Cleanup(srv.Close)

	ps := newProtocolServer(b, map[string]tftypes.Value{"endpoint": str(srv.URL + "/rest")})
	config := dynamicValue(b, ps.dataSourceTypes[typeName], map[string]tftypes.Value{"token": str("k3v9q2m7x4p8r1ta-token")})
	ctx := productionLogContext(b)

	check := func(b *testing.B, what string, diags []*tfprotov6.Diagnostic, err error) {
		b.Helper()
		if err != nil || hasErrors(diags) {
			b.Fatalf("%s: %v %s", what, err, diagText(diags))
		}
	}
	b.Run("validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resp, err := ps.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: typeName, Config: config})
			check(b, "validate", resp.Diagnostics, err)
		}
	})
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resp, err := ps.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: config})
			check(b, "read", resp.Diagnostics, err)
		}
	})
}
