package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// Ephemeral values cannot be read from state, so these tests assert them
// through preconditions, which fail the plan when a value is wrong.
func ephemeralTokenConfig(api *standin.Server, token, condition string) string {
	return providerBlock(api) + fmt.Sprintf(`
ephemeral "clevermaps_reset_token" "check" {
  token = %q
}

resource "terraform_data" "gate" {
  lifecycle {
    precondition {
      condition     = (%s)
      error_message = "precondition on the verified token failed"
    }
  }
}
`, token, condition)
}

func TestAccResetTokenEphemeral_valid(t *testing.T) {
	api := newTestAPI(t)
	const token = "ephemeral-token-4e1d"
	if err := api.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   skipBelowWriteOnly,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: ephemeralTokenConfig(api, token, `ephemeral.clevermaps_reset_token.check.valid &&
        ephemeral.clevermaps_reset_token.check.email == "ada@example.com" &&
        ephemeral.clevermaps_reset_token.check.full_name == "Ada Lovelace" &&
        ephemeral.clevermaps_reset_token.check.preferences.language == "en" &&
        ephemeral.clevermaps_reset_token.check.onboarding.tips_shown == tolist(["map", "filters"])`),
			ConfigStateChecks: []statecheck.StateCheck{expectSomeRequests{api, standin.EndpointVerifyToken}},
		}},
	})
	// Opening the ephemeral resource only verified: every request was a
	// GET, and the same token still finishes a reset afterwards.
	if v, n := api.Count(standin.EndpointVerifyToken), len(api.Journal()); n != v {
		t.Errorf("the API received %d request(s), of which only %d verifications", n, v)
	}
	finishResetDirectly(t, api, token, "after verification")
}

func TestAccResetTokenEphemeral_unknownToken(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   skipBelowWriteOnly,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// An unknown token is not an error: valid is false and the
				// account attributes are null.
				Config: ephemeralTokenConfig(api, "unknown-token",
					`!ephemeral.clevermaps_reset_token.check.valid && ephemeral.clevermaps_reset_token.check.email == null`),
			},
			{
				Config:      ephemeralTokenConfig(api, "unknown-token", `ephemeral.clevermaps_reset_token.check.valid`),
				ExpectError: regexp.MustCompile(`precondition on the verified token failed`),
			},
		},
	})
}
