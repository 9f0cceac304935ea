package provider

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

func resetTokenConfig(api *standin.Server, token string) string {
	return providerBlock(api) + fmt.Sprintf(`
data "clevermaps_reset_token" "test" {
  token = %q
}

# Passes the token on, to show that it stays sensitive downstream.
resource "terraform_data" "echo" {
  input = data.clevermaps_reset_token.test.token
}
`, token)
}

func TestAccResetTokenDataSource_valid(t *testing.T) {
	api := newTestAPI(t)
	// A token that needs escaping in a URL path must still work.
	const token = "tok+en=with:odd@chars é"
	if err := api.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	const addr = "data.clevermaps_reset_token.test"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: resetTokenConfig(api, token),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectSensitiveValue("terraform_data.echo", tfjsonpath.New("input"))},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("token")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("valid"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.StringExact("acc-ada")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("full_name"), knownvalue.StringExact("Ada Lovelace")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact(adaEmail)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("ENABLED")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("consent_granted"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("anonymous"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("phone_number"), knownvalue.StringExact("+44 20 7946 0000")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("preferences"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"language":                 knownvalue.StringExact("en"),
					"last_active_project":      knownvalue.StringExact("p7w2n5c8d1f4g6hj"),
					"last_active_organization": knownvalue.StringExact("o2b6e9k1m3s5u7wy"),
					"send_newsletter":          knownvalue.Bool(true),
				})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("onboarding").AtMapKey("tips_shown"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("map"), knownvalue.StringExact("filters")})),
			},
		}},
	})

	// The token reached the server escaped exactly once, and verifying did
	// not use it up.
	var gets []standin.Request
	for _, r := range api.Journal() {
		if r.Endpoint == standin.EndpointVerifyToken {
			gets = append(gets, r)
		}
	}
	if len(gets) == 0 {
		t.Fatal("no verification request reached the API")
	}
	const wantPath = "/rest/accounts/passwordReset/tok+en=with:odd@chars%20%C3%A9"
	for _, r := range gets {
		if r.Method != "GET" || r.RawPath != wantPath {
			t.Errorf("got %s %s, want GET %s", r.Method, r.RawPath, wantPath)
		}
	}
	// Every request the data source sent was a GET, and the same token
	// still finishes a reset afterwards.
	if n := len(api.Journal()); n != len(gets) {
		t.Errorf("the API received %d request(s), of which only %d verifications", n, len(gets))
	}
	finishResetDirectly(t, api, token, "after verification")
}

func TestAccResetTokenDataSource_unknownToken(t *testing.T) {
	api := newTestAPI(t)
	const addr = "data.clevermaps_reset_token.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: resetTokenConfig(api, "no-such-token"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("valid"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("account_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.Null()),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("preferences"), knownvalue.Null()),
			},
		}},
	})
}

func TestAccResetTokenDataSource_gateWithPostcondition(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(api) + `
data "clevermaps_reset_token" "test" {
  token = "expired-or-unknown"
  lifecycle {
    postcondition {
      condition     = self.valid
      error_message = "The reset token is no longer valid; request a new reset mail."
    }
  }
}
`,
			ExpectError: regexp.MustCompile(`The reset token is no longer valid`),
		}},
	})
}

// cliSourceLine matches a configuration line quoted by the CLI in an error.
var cliSourceLine = regexp.MustCompile(`(?m)^[\s│]*\d+:.*$`)

// TestAccResetTokenDataSource_serverError checks the diagnostic of a 500
// answer: it says what failed, never contains the token (which travels in
// the URL path, and Go's HTTP errors print URLs), and a 500 is not retried
// (the provider block allows 3 attempts).
func TestAccResetTokenDataSource_serverError(t *testing.T) {
	api := newTestAPI(t)
	const token = "secret-token-in-the-url-path"
	if err := api.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Status: 500})
	wantMessage := regexp.MustCompile(`(?s)Checking the reset token failed.*500\s+Internal\s+Server\s+Error`)
	var diagnostic string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// ExpectError can only match; ErrorCheck sees the whole error, so it
		// can also assert what the diagnostic must not contain.
		ErrorCheck: func(err error) error {
			diagnostic = err.Error()
			// The CLI quotes the configuration line the diagnostic points at
			// ("22:   token = ..."): that is the user's own file, not the
			// provider's message, so it is left out of the check.
			message := cliSourceLine.ReplaceAllString(diagnostic, "")
			switch {
			case !wantMessage.MatchString(diagnostic):
				return err
			case strings.Contains(message, token) || strings.Contains(message, url.PathEscape(token)):
				return fmt.Errorf("the diagnostic contains the reset token: %w", err)
			}
			return nil
		},
		Steps: []resource.TestStep{{Config: resetTokenConfig(api, token)}},
	})
	if diagnostic == "" {
		t.Fatal("the configuration applied without an error")
	}
	// The CLI reads the data source once, while planning the apply.
	if got := api.Count(standin.EndpointVerifyToken); got != 1 {
		t.Errorf("the API received %d verification request(s), want exactly 1: a 500 is not retried", got)
	}
	if n := len(api.Journal()); n != 1 {
		t.Errorf("the API received %d request(s) in total, want 1", n)
	}
}

func TestAccResetTokenDataSource_invalidToken(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      resetTokenConfig(api, "../admin"),
			ExpectError: regexp.MustCompile(`(?s)Invalid reset token.*token`),
		}},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}
