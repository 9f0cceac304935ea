package provider

import (
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The provider-defined functions are tested through the plugin protocol,
// exactly as the CLI calls them (GetFunctions, CallFunction), in the files of
// the functions; this file holds what they share.

// callFunction calls the provider-defined function name with args over the
// protocol and decodes its result as resultType. A call the function refuses
// returns its error and a null result.
func callFunction(t *testing.T, name string, resultType tftypes.Type, args ...tftypes.Value) (tftypes.Value, *tfprotov6.FunctionError) {
	t.Helper()
	server := NewProtocol6Server("test")()
	req := &tfprotov6.CallFunctionRequest{Name: name}
	for _, a := range args {
		dv, err := tfprotov6.NewDynamicValue(a.Type(), a)
		if err != nil {
			t.Fatal(err)
		}
		req.Arguments = append(req.Arguments, &dv)
	}
	resp, err := server.CallFunction(t.Context(), req)
	if err != nil {
		t.Fatalf("CallFunction(%s): %v", name, err)
	}
	if resp.Error != nil {
		return tftypes.NewValue(resultType, nil), resp.Error
	}
	if resp.Result == nil {
		t.Fatalf("CallFunction(%s): neither a result nor an error", name)
	}
	v, err := resp.Result.Unmarshal(resultType)
	if err != nil {
		t.Fatalf("CallFunction(%s): decoding the result: %v", name, err)
	}
	return v, nil
}

// TestFunctions_listed checks that the CLI finds the functions both ways it
// looks for them: GetFunctions, and the schema that `providers schema -json`
// (and so the generated docs) is made from.
func TestFunctions_listed(t *testing.T) {
	server := NewProtocol6Server("test")()
	want := []string{"email_key", "is_email"}

	fns, err := server.GetFunctions(t.Context(), &tfprotov6.GetFunctionsRequest{})
	if err != nil || hasErrors(fns.Diagnostics) {
		t.Fatalf("GetFunctions: %v %v", err, diagText(fns.Diagnostics))
	}
	var got []string
	for name, f := range fns.Functions {
		got = append(got, name)
		if f.Summary == "" || f.DescriptionKind != tfprotov6.StringKindMarkdown || f.Description == "" {
			t.Errorf("function %s has no summary or Markdown description", name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("GetFunctions lists %q, want %q", got, want)
	}

	schema, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schema.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, diagText(schema.Diagnostics))
	}
	got = got[:0]
	for name := range schema.Functions {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("GetProviderSchema lists functions %q, want %q", got, want)
	}
}
