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

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
)

func TestEmailKeyFunction(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ada@example.com", "ada@example.com"},
		{"Ada.Lovelace@Example.COM", "ada.lovelace@example.com"},
		// Full case folding, not lower-casing: ß folds to ss, long s to s.
		{"Straße@example.com", "strasse@example.com"},
		{"ſam@example.com", "sam@example.com"},
		// NFC first: e plus a combining acute accent is é.
		{"Rene\u0301@example.com", "ren\u00e9@example.com"},
		// The dotted capital I folds to i plus a combining dot, not to i.
		{"İnfo@example.com", "i\u0307nfo@example.com"},
		// No trimming and no checking: that is trimspace's and is_email's job.
		{" Ada@Example.com ", " ada@example.com "},
		{"not an address", "not an address"},
		{"", ""},
	} {
		got, ferr := callFunction(t, "email_key", tftypes.String, tftypes.NewValue(tftypes.String, tc.in))
		if ferr != nil {
			t.Errorf("email_key(%q): error %q", tc.in, ferr.Text)
			continue
		}
		var s string
		if err := got.As(&s); err != nil {
			t.Fatal(err)
		}
		if s != tc.want {
			t.Errorf("email_key(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

// TestEmailKeyFunction_matchesResources checks, on seeded random strings
// made of the characters where case folding and normalisation differ, that
// email_key gives exactly the key the resources compare addresses by.
func TestEmailKeyFunction_matchesResources(t *testing.T) {
	const seed = 19
	rng := rand.New(rand.NewPCG(seed, seed))
	alphabet := []rune("aAzZ.@-_+'ßẞſİıiIKkK\u212a\u0307\u0301eé\u00c5\u212bǰJ\u030cΣσςﬀ ")
	for i := range 300 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		in := b.String()
		got, ferr := callFunction(t, "email_key", tftypes.String, tftypes.NewValue(tftypes.String, in))
		if ferr != nil {
			t.Fatalf("case %d (seed %d): email_key(%q): error %q", i, seed, in, ferr.Text)
		}
		var key string
		if err := got.As(&key); err != nil {
			t.Fatal(err)
		}
		if key != address.Key(in) {
			t.Errorf("case %d (seed %d): email_key(%q) = %q, the resources' key is %q", i, seed, in, key, address.Key(in))
		}
	}
}

func TestEmailKeyFunction_null(t *testing.T) {
	_, ferr := callFunction(t, "email_key", tftypes.String, tftypes.NewValue(tftypes.String, nil))
	if ferr == nil || ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 {
		t.Fatalf("email_key(null): got error %+v, want one that names argument 0", ferr)
	}
}

// TestAccEmailKeyFunction calls the function from a configuration.
// Provider-defined functions need Terraform 1.8 (OpenTofu 1.7); the test is
// skipped on Terraform 1.5.7 (make testacc-terraform) and runs on OpenTofu
// 1.12.6 (make testacc).
func TestAccEmailKeyFunction(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: requiredProviders + `
locals {
  export = ["  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com", "Straße@example.com"]
}

output "keys" {
  value = distinct([for e in local.export : provider::clevermaps::email_key(trimspace(e))])
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("keys", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("ada.lovelace@example.com"),
						knownvalue.StringExact("strasse@example.com"),
					})),
				},
			},
			{
				Config: requiredProviders + `
output "key" {
  value = provider::clevermaps::email_key(null)
}
`,
				ExpectError: regexp.MustCompile(`(?s)email_key.*null`),
			},
		},
	})
}
