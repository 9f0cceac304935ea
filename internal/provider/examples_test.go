package provider

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// The guides' configurations live in examples/ (make examples-check formats
// and validates them); the tests here run those that make promises about
// what they do, unchanged, against the stand-in API.

// examplesDir is examples/ seen from this package.
const examplesDir = "../../examples"

// hrExportAccounts are the people of examples/hr-export/*/people.csv who
// have a CleverMaps account. jean.sammet@example.com is an address without
// one, which the API rejects.
var hrExportAccounts = []string{
	"ada.lovelace@example.com",
	"grace.hopper@example.com",
	"alan.turing@example.com",
	"frances.allen@example.com",
}

const hrExportWithoutAccount = "jean.sammet@example.com"

// hrExportDropped are the rows of people.csv that are not addresses.
var hrExportDropped = []struct{ id, email string }{
	{"1004", ""},
	{"1005", "n/a"},
	{"1006", "Barbara Liskov <barbara.liskov@example.com>"},
	{"1007", "margaret.hamilton@example"},
	{"1008", "donald knuth@example.com"},
}

// testAccExampleHRExport runs an HR export example. The first apply drops
// the rows that are not addresses and mails every address with an account
// once (the export spells Ada's twice, in different case); the address
// without an account fails its chunk, which holds nobody else, so the apply
// ends in an error that names it, while the other chunks are mailed. Once
// that account exists, the next apply mails it and nobody else.
func testAccExampleHRExport(t *testing.T, dir string, checks []tfversion.TerraformVersionCheck) {
	api := newTestAPI(t)
	for _, e := range hrExportAccounts {
		name, _, _ := strings.Cut(e, "@")
		api.AddAccount(standin.Account{ID: "acc-" + name, FullName: name, Email: e, Status: "ENABLED"})
	}
	vars := config.Variables{"endpoint": config.StringVariable(api.URL())}
	dropped := make([]knownvalue.Check, 0, len(hrExportDropped))
	for _, d := range hrExportDropped {
		dropped = append(dropped, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"employee_id": knownvalue.StringExact(d.id),
			"email":       knownvalue.StringExact(d.email),
		}))
	}
	all := append(slices.Clone(hrExportAccounts), hrExportWithoutAccount)

	resource.Test(t, resource.TestCase{
		PreCheck:               func() { testAccPreCheck(t) },
		TerraformVersionChecks: checks,
		// The examples configure the provider themselves, which
		// terraform-plugin-testing allows only with the providers given
		// per step.
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(filepath.Join(examplesDir, dir)),
				ConfigVariables:          vars,
				ExpectError:              regexp.MustCompile(regexp.QuoteMeta(hrExportWithoutAccount + " (rejected)")),
			},
			{
				PreConfig: func() {
					if err := (expectMailedOnce{api, hrExportAccounts}).check(); err != nil {
						t.Errorf("after the first apply: %v", err)
					}
					api.AddAccount(standin.Account{ID: "acc-jean", FullName: "Jean Sammet", Email: hrExportWithoutAccount, Status: "ENABLED"})
				},
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(filepath.Join(examplesDir, dir)),
				ConfigVariables:          vars,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("dropped", knownvalue.ListExact(dropped)),
					statecheck.ExpectKnownOutputValue("unmailed", knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownOutputValue("mailed", knownvalue.Int64Exact(int64(len(all)))),
					expectMailedOnce{api, all},
				},
			},
			{
				// Leaves the state empty, which plugin-testing's own final
				// state read needs: it cannot shim for_each instances.
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(filepath.Join(examplesDir, dir)),
				ConfigVariables:          vars,
				Destroy:                  true,
			},
		},
	})
}

// expectMailedOnce checks that the stand-in mailed exactly emails, once
// each.
type expectMailedOnce struct {
	api    *standin.Server
	emails []string
}

func (e expectMailedOnce) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = e.check()
}

func (e expectMailedOnce) check() error {
	want := make(map[string]int, len(e.emails))
	for _, m := range e.emails {
		want[m] = 1
	}
	if got := mailCounts(e.api); !maps.Equal(got, want) {
		return fmt.Errorf("mails per address: got %v, want %v", got, want)
	}
	return nil
}

func TestAccExampleHRExport_withFunctions(t *testing.T) {
	// Provider-defined functions: skipped on Terraform 1.5.7, run on OpenTofu.
	testAccExampleHRExport(t, "hr-export/with-functions",
		[]tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)})
}

// TestAccExampleHRExport_withoutFunctions runs on both CLIs, as the guide
// promises.
func TestAccExampleHRExport_withoutFunctions(t *testing.T) {
	testAccExampleHRExport(t, "hr-export/without-functions", nil)
}

// hrExportPattern reads address_pattern from the locals of
// examples/hr-export/without-functions/main.tf, as the CLI would.
func hrExportPattern(t *testing.T) *regexp.Regexp {
	t.Helper()
	name := filepath.Join(examplesDir, "hr-export/without-functions/main.tf")
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, block := range file.Body.(*hclsyntax.Body).Blocks { //nolint:forcetypeassert // hclsyntax always parses into *hclsyntax.Body.
		if block.Type != "locals" {
			continue
		}
		if attr, ok := block.Body.Attributes["address_pattern"]; ok {
			v, diags := attr.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			// Terraform's regex function uses Go's regexp (RE2) too.
			return regexp.MustCompile(v.AsString())
		}
	}
	t.Fatalf("%s: no local address_pattern", name)
	return nil
}

// TestExampleHRExport_patternAcceptsOnlyAddresses checks the promise of the
// function-free HR export example: a value its test (address_pattern and
// the two length limits) keeps is one the provider accepts, so no kept row
// can fail a chunk's plan. The values are seeded random strings of address
// pieces, lower-cased as the example does, plus the export's own rows.
func TestExampleHRExport_patternAcceptsOnlyAddresses(t *testing.T) {
	pattern := hrExportPattern(t)
	keeps := func(v string) bool {
		local, _, _ := strings.Cut(v, "@")
		return pattern.MatchString(v) && len(v) <= 254 && len(local) <= 64
	}
	values := slices.Clone(hrExportAccounts)
	values = append(values, hrExportWithoutAccount, "o'brien+hr@mail.example.co.uk", strings.Repeat("a", 64)+"@example.com")
	for _, v := range values {
		if !keeps(v) {
			t.Errorf("the pattern drops the address %q", v)
		}
	}
	for _, d := range hrExportDropped {
		if keeps(strings.ToLower(strings.TrimSpace(d.email))) {
			t.Errorf("the pattern keeps %q, which the example's guide says it drops", d.email)
		}
	}

	const seed = 19
	rng := rand.New(rand.NewPCG(seed, seed))
	pieces := []string{"a", "z", "0", "9", "ada", ".", "..", "-", "_", "+", "'", "é", " ", "<", ">", "\"", ",", "(", ")", "@", "[", "]", "\\", "%", "!", "#", ""}
	word := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			if rng.IntN(3) == 0 {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			} else {
				b.WriteString(strings.Repeat("x", 1+rng.IntN(30)))
			}
		}
		return b.String()
	}
	kept := 0
	for i := range 20000 {
		v := word() + "@" + word() + "." + word()
		if !keeps(v) {
			continue
		}
		kept++
		if problem := emailProblem(v); problem != "" {
			t.Errorf("case %d (seed %d): the example keeps %q, which the provider refuses: %s", i, seed, v, problem)
		}
	}
	if kept < 1000 {
		t.Errorf("only %d of 20000 values kept: the cases do not exercise the pattern", kept)
	}
	t.Logf("seed %d: %d of 20000 values kept, all accepted by the provider", seed, kept)
}

// TestAccExampleFunctions runs the functions' examples and checks what their
// comments promise. Provider-defined functions: skipped on Terraform 1.5.7,
// run on OpenTofu.
func TestAccExampleFunctions(t *testing.T) {
	strs := func(ss ...string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ss))
		for i, s := range ss {
			checks[i] = knownvalue.StringExact(s)
		}
		return knownvalue.ListExact(checks)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:               func() { testAccPreCheck(t) },
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(filepath.Join(examplesDir, "functions/email_key")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("addresses", strs("ada.lovelace@example.com", "strasse@example.com")),
				},
			},
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          config.StaticDirectory(filepath.Join(examplesDir, "functions/is_email")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("addresses", strs("ada@example.com", "alan@example.com")),
					statecheck.ExpectKnownOutputValue("not_addresses", strs("n/a", "Grace Hopper <grace@example.com>", "")),
				},
			},
		},
	})
}
