package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// nonLoopbackHTTP is a plain-HTTP endpoint on a name that cannot resolve
// (.invalid, RFC 2606): no test ever sends anything there.
const nonLoopbackHTTP = "http://cm.example.invalid/rest"

// TestValidateConfig_plainHTTP drives ValidateProviderConfig over the plugin
// protocol, as the CLI's validate does: the rule is decided there, before the
// provider is configured, so no client exists that could send a request.
func TestValidateConfig_plainHTTP(t *testing.T) {
	ctx := t.Context()
	server := NewProtocol6Server("test")()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := objectType(schemas.Provider)
	for _, tt := range []struct {
		endpoint string
		allow    tftypes.Value
		refused  bool
	}{
		{nonLoopbackHTTP, tftypes.NewValue(tftypes.Bool, nil), true},
		{nonLoopbackHTTP, tftypes.NewValue(tftypes.Bool, false), true},
		{"http://10.1.2.3:8080/rest", tftypes.NewValue(tftypes.Bool, nil), true},
		{"http://localhost.example.com/rest", tftypes.NewValue(tftypes.Bool, nil), true},
		{nonLoopbackHTTP, tftypes.NewValue(tftypes.Bool, true), false},
		{"https://cm.example.invalid/rest", tftypes.NewValue(tftypes.Bool, nil), false},
		{"http://127.0.0.1:8080/rest", tftypes.NewValue(tftypes.Bool, nil), false},
		{"http://127.1.2.3/rest", tftypes.NewValue(tftypes.Bool, nil), false},
		{"http://[::1]:8080/rest", tftypes.NewValue(tftypes.Bool, nil), false},
		{"http://localhost:8080/rest", tftypes.NewValue(tftypes.Bool, nil), false},
	} {
		name := fmt.Sprintf("%s allow=%v", tt.endpoint, tt.allow)
		cfg, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, withNulls(typ, map[string]tftypes.Value{
			"endpoint":            tftypes.NewValue(tftypes.String, tt.endpoint),
			"allow_insecure_http": tt.allow,
		})))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		text := diagText(resp.Diagnostics)
		if got := hasErrors(resp.Diagnostics); got != tt.refused {
			t.Errorf("%s: refused = %v, want %v (%s)", name, got, tt.refused, text)
			continue
		}
		if tt.refused {
			d := resp.Diagnostics[0]
			if d.Attribute == nil || !strings.Contains(d.Attribute.String(), "endpoint") ||
				!strings.Contains(text, "Plain HTTP endpoint refused") || !strings.Contains(text, "allow_insecure_http") {
				t.Errorf("%s: diagnostic does not name the attribute, the reason and the opt-in: %s", name, text)
			}
		}
	}
}

// TestAccProvider_plainHTTP covers the rule under a real CLI: a non-loopback
// http:// endpoint fails validation (in the configuration) or configuration
// (from the environment), the opt-in plans (creating a resource reads nothing
// from the API), and loopback names reach the stand-in.
func TestAccProvider_plainHTTP(t *testing.T) {
	api := newTestAPI(t)
	resourceBlock := fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, adaEmail)
	t.Run("refused in the configuration", func(t *testing.T) {
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      fmt.Sprintf("provider \"clevermaps\" {\n  endpoint = %q\n}\n", nonLoopbackHTTP) + resourceBlock,
				ExpectError: regexp.MustCompile(`(?s)Plain HTTP endpoint refused.*allow_insecure_http`),
			}},
		})
	})
	t.Run("refused from the environment", func(t *testing.T) {
		t.Setenv(EndpointEnvVar, nonLoopbackHTTP)
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				// A data source would verify the token while planning: it
				// must never get that far.
				Config:      "data \"clevermaps_reset_token\" \"t\" {\n  token = \"abc\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)Plain HTTP endpoint refused.*CLEVERMAPS_ENDPOINT`),
			}},
		})
	})
	t.Run("explicit opt-in", func(t *testing.T) {
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: fmt.Sprintf("provider \"clevermaps\" {\n  endpoint = %q\n  allow_insecure_http = true\n}\n", nonLoopbackHTTP) + resourceBlock,
				// The plan succeeds and would create the resource; it is
				// never applied, so nothing is sent.
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			}},
		})
	})
	if n := len(api.Journal()); n != 0 {
		t.Fatalf("the stand-in received %d request(s) before the loopback cases, want none", n)
	}
	t.Run("localhost reaches the stand-in", func(t *testing.T) {
		endpoint := strings.Replace(api.URL(), "127.0.0.1", "localhost", 1)
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: fmt.Sprintf("provider \"clevermaps\" {\n  endpoint = %q\n}\n", endpoint) + resourceBlock,
			}},
		})
		if n := api.Count(standin.EndpointRequestReset); n != 1 {
			t.Errorf("the stand-in received %d reset request(s), want 1", n)
		}
	})
}
