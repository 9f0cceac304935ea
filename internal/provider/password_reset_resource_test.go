package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// Write-only arguments and ephemeral resources need Terraform 1.11+ or
// OpenTofu 1.11+; plugin-testing reports OpenTofu's version number, which
// is comparable here.
var skipBelowWriteOnly = []tfversion.TerraformVersionCheck{
	tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0"))),
}

// Distinctive secrets, so that a scan cannot match anything by accident.
const (
	rotationPassword = "Rotated-PW-7c41e9d2"
	secondPassword   = "Second-PW-0b5a66f3"
	secondToken      = "second-token-93f1c2aa"
)

// secretFiles keeps the test's secrets outside the CLI's working directory:
// the configuration reads them with file(), so the configuration files that
// the scan reads hold no secret either.
type secretFiles struct{ dir string }

func (f secretFiles) path(name string) string { return filepath.Join(f.dir, name) }

func (f secretFiles) write(t *testing.T, name, value string) {
	t.Helper()
	if err := os.WriteFile(f.path(name), []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
}

func rotationConfig(api *standin.Server, f secretFiles, version int, verify bool) string {
	cfg := providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "svc" {
  email = %[1]q
}
`, adaEmail)
	tokenExpr := fmt.Sprintf("trimspace(file(%q))", f.path("token"))
	if verify {
		cfg += fmt.Sprintf(`
ephemeral "clevermaps_reset_token" "svc" {
  token = %s
}
`, tokenExpr)
		tokenExpr = "ephemeral.clevermaps_reset_token.svc.token"
	}
	cfg += fmt.Sprintf(`
resource "clevermaps_password_reset" "svc" {
  token_wo                = %[1]s
  new_password_wo         = trimspace(file(%[2]q))
  new_password_wo_version = %[3]d
  consent_granted         = true
`, tokenExpr, f.path("password"), version)
	return cfg + "\n  depends_on = [clevermaps_password_reset_request.svc]\n}\n"
}

// rotationConfigWithoutSecrets is the rotation after the fact: the used
// token and the password are no longer given.
func rotationConfigWithoutSecrets(api *standin.Server, version int) string {
	return providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "svc" {
  email = %q
}

resource "clevermaps_password_reset" "svc" {
  new_password_wo_version = %d
  consent_granted         = true
  depends_on              = [clevermaps_password_reset_request.svc]
}
`, adaEmail, version)
}

// TestAccPasswordReset_rotation runs the whole rotation of a technical
// account's password: request a reset, take the token from the mail, verify
// it ephemerally, finish the reset with write-only arguments; then bump the
// version with a fresh token, and finally try a used token. Afterwards it
// reads every state and plan file, the JSON plans, the CLI's and the
// provider's TRACE logs and the diagnostics, and asserts that neither token
// nor password appears anywhere.
func TestAccPasswordReset_rotation(t *testing.T) {
	api := newTestAPI(t)
	files := secretFiles{dir: t.TempDir()}
	files.write(t, "password", rotationPassword)
	var firstToken string
	scan := newSecretScanner(t, rotationPassword, secondPassword, secondToken)
	const addr = "clevermaps_password_reset.svc"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   skipBelowWriteOnly,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Step 1: the reset mail is sent.
				Config: providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "svc" {
  email = %q
}
`, adaEmail),
			},
			{
				// Step 2: the token from the mail finishes the reset.
				PreConfig: func() {
					mails := api.MailsTo(adaEmail)
					if len(mails) != 1 {
						t.Fatalf("%d mails in the outbox, want 1", len(mails))
					}
					firstToken = mails[0].Token
					scan.secrets = append(scan.secrets, firstToken)
					files.write(t, "token", firstToken)
				},
				Config: rotationConfig(api, files, 1, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						scan.planFileCheck(),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("token_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("new_password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("token"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("new_password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("reset_at"), knownvalue.StringRegexp(rfc3339)),
					expectRequests{api, standin.EndpointFinishReset, 1},
					expectRequests{api, standin.EndpointRequestReset, 1},
					expectSomeRequests{api, standin.EndpointVerifyToken},
				},
			},
			{
				// Step 3: a new version with a new token resets exactly once more.
				PreConfig: func() {
					if acct, _ := api.Account(adaEmail); acct.Password != rotationPassword {
						t.Errorf("after step 2 the account's password is not the rotated one")
					}
					if err := api.IssueToken(adaEmail, secondToken); err != nil {
						t.Fatal(err)
					}
					files.write(t, "token", secondToken)
					files.write(t, "password", secondPassword)
				},
				Config: rotationConfig(api, files, 2, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						scan.planFileCheck(),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectRequests{api, standin.EndpointFinishReset, 2},
				},
			},
			{
				// Step 4: once done, the secrets may be left out: no change.
				Config: rotationConfigWithoutSecrets(api, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointFinishReset, 2}},
			},
			{
				// Step 5: the used token is refused, with a message saying so.
				Config:      rotationConfig(api, files, 3, false),
				ExpectError: regexp.MustCompile(`(?s)Reset token unknown, expired or already used`),
				// ExpectError keeps this step's diagnostics from ErrorCheck;
				// TestAccSecrets_errorPaths scans failing diagnostics.
			},
		},
	})

	if acct, _ := api.Account(adaEmail); acct.Password != secondPassword {
		t.Errorf("the account's final password is not the second one")
	}
	if got := api.Count(standin.EndpointFinishReset); got != 3 {
		t.Errorf("%d finish-reset requests, want 3 (two resets and one refused)", got)
	}
	scan.scanFiles()
}

// TestAccPasswordReset_storedMode covers CLIs without write-only arguments:
// the stored arguments work, and the provider nudges toward write-only.
func TestAccPasswordReset_storedMode(t *testing.T) {
	api := newTestAPI(t)
	const token = "stored-mode-token-5d2e"
	if err := api.IssueToken(graceEmail, token); err != nil {
		t.Fatal(err)
	}
	const addr = "clevermaps_password_reset.svc"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset" "svc" {
  token        = %q
  new_password = "stored-mode-password"
}
`, token),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("token")),
				statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("new_password")),
				expectRequests{api, standin.EndpointFinishReset, 1},
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
	if acct, _ := api.Account(graceEmail); acct.Password != "stored-mode-password" {
		t.Error("the password was not set")
	}
}

func TestAccPasswordReset_rejectedAtPlan(t *testing.T) {
	api := newTestAPI(t)
	cases := map[string]struct {
		args    string
		wantErr string
	}{
		"password too long": {
			args:    fmt.Sprintf("token = \"tok-1\"\n  new_password = %q", strings.Repeat("x", maxPasswordLength+1)),
			wantErr: `(?s)new_password.*character\s+count\s+must\s+be\s+between\s+1\s+and\s+100`,
		},
		"empty password": {
			args:    `token = "tok-1"` + "\n  new_password = \"\"",
			wantErr: `(?s)new_password.*character\s+count\s+must\s+be\s+between\s+1\s+and\s+100`,
		},
		"token with query": {
			args:    `token = "tok?x=1"` + "\n  new_password = \"long-enough\"",
			wantErr: `(?s)Invalid reset token.*token`,
		},
		"token with newline": {
			args:    `token = "tok\n1"` + "\n  new_password = \"long-enough\"",
			wantErr: `(?s)Invalid reset token.*control`,
		},
		"no token at all": {
			args:    `new_password = "long-enough"`,
			wantErr: `(?s)Missing reset token.*token_wo`,
		},
		"both token forms": {
			args:    `token = "a"` + "\n  token_wo = \"b\"\n  new_password = \"long-enough\"",
			wantErr: `(?s)These attributes cannot be configured together:\s+\[token_wo,token\]`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerBlock(api) + "resource \"clevermaps_password_reset\" \"svc\" {\n  " + tc.args + "\n}\n",
					ExpectError: regexp.MustCompile(tc.wantErr),
				}},
			})
		})
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

func TestAccPasswordReset_writeOnlyTooLongPassword(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   skipBelowWriteOnly,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset" "svc" {
  token_wo                = "tok-1"
  new_password_wo         = %q
  new_password_wo_version = 1
}
`, strings.Repeat("y", maxPasswordLength+1)),
			ExpectError: regexp.MustCompile(`(?s)new_password_wo.*character\s+count\s+must\s+be\s+between\s+1\s+and\s+100`),
		}},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}
