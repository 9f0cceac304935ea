package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Schema descriptions become the registry pages, which are for users: what a
// thing does, when it acts, its default and its limits. How the plugin
// libraries work and what the benchmarks measured belong in DESIGN.md or in
// comments. TestSchemaDescriptionsAreForUsers fails on the words that give
// such detail away, and on attributes without a description.
var maintainerDetail = regexp.MustCompile(`(?i)plugin|framework|reflection|benchmark|stand-in|measured|` +
	`\bin about\b|` + "`(GET|POST) /")

func TestSchemaDescriptionsAreForUsers(t *testing.T) {
	server := NewProtocol6Server("test")()
	resp, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, diagText(resp.Diagnostics))
	}
	schemas := map[string]*tfprotov6.Schema{"provider": resp.Provider}
	for name, s := range resp.ResourceSchemas {
		schemas["resource "+name] = s
	}
	for name, s := range resp.DataSourceSchemas {
		schemas["data source "+name] = s
	}
	for name, s := range resp.EphemeralResourceSchemas {
		schemas["ephemeral resource "+name] = s
	}
	for name, s := range resp.ActionSchemas {
		schemas["action "+name] = s.Schema
	}
	checked := 0
	for what, s := range schemas {
		checked++
		checkDescription(t, what, s.Block.Description)
		checkAttributes(t, what, s.Block.Attributes)
	}
	if checked < 6 {
		t.Errorf("checked %d schemas, expected the provider's and every type's", checked)
	}
}

func checkAttributes(t *testing.T, where string, attrs []*tfprotov6.SchemaAttribute) {
	t.Helper()
	for _, a := range attrs {
		at := where + " ." + a.Name
		checkDescription(t, at, a.Description)
		if a.NestedType != nil {
			checkAttributes(t, at, a.NestedType.Attributes)
		}
	}
}

func checkDescription(t *testing.T, where, desc string) {
	t.Helper()
	if desc == "" {
		t.Errorf("%s has no description", where)
	}
	if m := maintainerDetail.FindString(desc); m != "" {
		t.Errorf("%s: the description mentions %q, which is maintainer detail: %s", where, m, desc)
	}
}
