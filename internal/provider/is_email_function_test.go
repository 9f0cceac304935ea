package provider

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// isEmailCases are values an HR export or a directory gives, with whether
// they are addresses.
var isEmailCases = []struct {
	in   string
	want bool
}{
	{"ada@example.com", true},
	{"Ada.Lovelace@Example.COM", true},
	{"o'brien+onboarding@mail.example.co.uk", true},
	{"Straße@example.com", true},
	{"", false},
	{"n/a", false},
	{"ada", false},
	{" ada@example.com", false},
	{"ada@example.com\n", false},
	{"ada lovelace@example.com", false},
	{"Ada Lovelace <ada@example.com>", false},
	{"<ada@example.com>", false},
	{"ada@example", false},
	{"ada@.example.com", false},
	{"ada@example..com", false},
	{"@example.com", false},
	{"ada@@example.com", false},
	{"ada@example.com, grace@example.com", false},
	{"a..b@example.com", false},
	{strings.Repeat("a", 64) + "@example.com", true},
	{strings.Repeat("a", 65) + "@example.com", false},
	{strings.Repeat("a", 60) + "@" + strings.Repeat("b", 190) + ".com", false},
	{"\xff@example.com", false},
}

func TestIsEmailFunction(t *testing.T) {
	for _, tc := range isEmailCases {
		if got := isEmail(t, tc.in); got != tc.want {
			t.Errorf("is_email(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestIsEmailFunction_agreesWithResources checks what the function
// promises: is_email is true exactly for the values the resources accept.
// Each value goes through the validation of `emails` of the batch resource
// and `email` of the single resource over the protocol, as the CLI sends
// it: the cases above, then seeded random strings of the characters that
// decide it.
func TestIsEmailFunction_agreesWithResources(t *testing.T) {
	ps := newProtocolServer(t, map[string]tftypes.Value{
		"endpoint": tftypes.NewValue(tftypes.String, "https://api.example.com/rest"),
	})
	accepted := func(v string) (batch, single bool) {
		d := ps.validateResource(t, "clevermaps_password_reset_requests", map[string]tftypes.Value{
			"emails": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, v)}),
		})
		batch = !hasErrors(d)
		d = ps.validateResource(t, "clevermaps_password_reset_request", map[string]tftypes.Value{
			"email": tftypes.NewValue(tftypes.String, v),
		})
		return batch, !hasErrors(d)
	}
	values := make([]string, 0, len(isEmailCases)+500)
	for _, tc := range isEmailCases {
		values = append(values, tc.in)
	}
	const seed = 19
	rng := rand.New(rand.NewPCG(seed, seed))
	// Mostly address-shaped strings (local part, @, domain) made of pieces
	// that sometimes break them, so that both outcomes are common.
	pieces := []string{"a", "Z", "0", "ada", ".", "-", "_", "+", "'", "é", "ß", " ", "\t", "<", ">", "\"", ",", "(", ")", "@", "\u200b", ""}
	word := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			if rng.IntN(4) == 0 {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			} else {
				b.WriteString("ada")
			}
		}
		return b.String()
	}
	for range 500 {
		domain := word() + "." + word()
		if rng.IntN(5) == 0 {
			domain = word()
		}
		values = append(values, word()+"@"+domain)
	}
	agreed, accepting := 0, 0
	for _, v := range values {
		got := isEmail(t, v)
		batch, single := accepted(v)
		if got != batch || got != single {
			t.Errorf("is_email(%q) = %v, but the batch resource accepts it: %v, the single resource: %v", v, got, batch, single)
			continue
		}
		agreed++
		if got {
			accepting++
		}
	}
	// Both outcomes must have been exercised for the comparison to mean
	// anything.
	if accepting == 0 || accepting == agreed {
		t.Errorf("%d of %d values accepted: the cases do not exercise both outcomes", accepting, agreed)
	}
	t.Logf("seed %d: %d values, %d accepted by both the function and the resources", seed, agreed, accepting)
}

func TestIsEmailFunction_null(t *testing.T) {
	_, ferr := callFunction(t, "is_email", tftypes.Bool, tftypes.NewValue(tftypes.String, nil))
	if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 {
		t.Fatalf("is_email(null): got error %+v, want one that names argument 0", ferr)
	}
}

func isEmail(t *testing.T, v string) bool {
	t.Helper()
	got, ferr := callFunction(t, "is_email", tftypes.Bool, tftypes.NewValue(tftypes.String, v))
	if ferr != nil {
		t.Fatalf("is_email(%q): error %q", v, ferr.Text)
	}
	var b bool
	if err := got.As(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAccIsEmailFunction filters values with the function in a
// configuration. Provider-defined functions need Terraform 1.8 (OpenTofu
// 1.7); the test is skipped on Terraform 1.5.7 (make testacc-terraform) and
// runs on OpenTofu 1.12.6 (make testacc).
func TestAccIsEmailFunction(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: requiredProviders + `
locals {
  export = ["ada@example.com", "n/a", "Grace Hopper <grace@example.com>", " alan@example.com ", ""]
}

output "addresses" {
  value = [for e in local.export : e if provider::clevermaps::is_email(e)]
}

output "trimmed" {
  value = [for e in local.export : trimspace(e) if provider::clevermaps::is_email(trimspace(e))]
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("addresses", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("ada@example.com"),
					})),
					statecheck.ExpectKnownOutputValue("trimmed", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("ada@example.com"),
						knownvalue.StringExact("alan@example.com"),
					})),
				},
			},
			{
				Config: requiredProviders + `
output "check" {
  value = provider::clevermaps::is_email(null)
}
`,
				ExpectError: regexp.MustCompile(`(?s)is_email.*null`),
			},
		},
	})
}
