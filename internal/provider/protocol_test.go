package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// No CLI on these machines runs Terraform 1.14 actions (OpenTofu has no
// action blocks and newer Terraform releases are not open source), so the
// action tests speak plugin protocol 6 to the provider directly, exactly as
// Terraform core would: configure, validate, plan and invoke.

// protocolServer is a configured provider server plus the schema types
// needed to encode configurations for it.
type protocolServer struct {
	tfprotov6.ProviderServerWithActions //nolint:staticcheck // See newProtocolServer.
	providerType                        tftypes.Object
	actionTypes                         map[string]tftypes.Object
	resourceTypes                       map[string]tftypes.Object
	dataSourceTypes                     map[string]tftypes.Object
	ephemeralTypes                      map[string]tftypes.Object
}

// newProtocolServer starts the provider in-process and configures it with
// the given provider attributes (unset ones are null).
func newProtocolServer(t testing.TB, providerAttrs map[string]tftypes.Value) *protocolServer {
	t.Helper()
	ps := newUnconfiguredServer(t)
	resp, err := ps.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{
		Config: dynamicValue(t, ps.providerType, providerAttrs), TerraformVersion: "1.14.0",
	})
	if err != nil || hasErrors(resp.Diagnostics) {
		t.Fatalf("ConfigureProvider: %v %v", err, diagText(resp.Diagnostics))
	}
	return ps
}

// newUnconfiguredServer starts the provider in-process as the CLI has it
// when it validates: schemas read, nothing configured.
func newUnconfiguredServer(t testing.TB) *protocolServer {
	t.Helper()
	server := NewProtocol6Server("test")()
	schemas, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schemas.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, diagText(schemas.Diagnostics))
	}
	// terraform-plugin-go v0.31 still serves actions through this
	// transitional interface; ProviderServer will absorb it later.
	withActions, ok := server.(tfprotov6.ProviderServerWithActions) //nolint:staticcheck // See above.
	if !ok {
		t.Fatalf("%T does not serve actions", server)
	}
	ps := &protocolServer{
		ProviderServerWithActions: withActions,
		providerType:              objectType(schemas.Provider),
		actionTypes:               map[string]tftypes.Object{},
		resourceTypes:             map[string]tftypes.Object{},
		dataSourceTypes:           map[string]tftypes.Object{},
		ephemeralTypes:            map[string]tftypes.Object{},
	}
	for name, s := range schemas.ActionSchemas {
		ps.actionTypes[name] = objectType(s.Schema)
	}
	for name, s := range schemas.ResourceSchemas {
		ps.resourceTypes[name] = objectType(s)
	}
	for name, s := range schemas.DataSourceSchemas {
		ps.dataSourceTypes[name] = objectType(s)
	}
	for name, s := range schemas.EphemeralResourceSchemas {
		ps.ephemeralTypes[name] = objectType(s)
	}
	return ps
}

// dynamicValue encodes attrs (unset ones null) as a value of typ.
func dynamicValue(t testing.TB, typ tftypes.Object, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	v, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, withNulls(typ, attrs)))
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// validateResource runs ValidateResourceConfig as a CLI that supports
// write-only arguments would.
func (ps *protocolServer) validateResource(t testing.TB, typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	resp, err := ps.ValidateResourceConfig(t.Context(), &tfprotov6.ValidateResourceConfigRequest{
		TypeName:           typeName,
		Config:             dynamicValue(t, ps.resourceTypes[typeName], attrs),
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// validateDataSource runs ValidateDataResourceConfig.
func (ps *protocolServer) validateDataSource(t testing.TB, typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	resp, err := ps.ValidateDataResourceConfig(t.Context(), &tfprotov6.ValidateDataResourceConfigRequest{
		TypeName: typeName,
		Config:   dynamicValue(t, ps.dataSourceTypes[typeName], attrs),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// validateProvider runs ValidateProviderConfig.
func (ps *protocolServer) validateProvider(t testing.TB, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	resp, err := ps.ValidateProviderConfig(t.Context(), &tfprotov6.ValidateProviderConfigRequest{
		Config: dynamicValue(t, ps.providerType, attrs),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// actionConfig encodes an action configuration; unset attributes are null.
func (ps *protocolServer) actionConfig(t testing.TB, actionType string, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ, ok := ps.actionTypes[actionType]
	if !ok {
		t.Fatalf("the provider has no action %q", actionType)
	}
	v, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, withNulls(typ, attrs)))
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// invokeResult is what an InvokeAction stream delivered.
type invokeResult struct {
	progress    []string
	diagnostics []*tfprotov6.Diagnostic
}

// runAction validates, plans and invokes an action as Terraform core does,
// stopping at the first step that reports an error.
func (ps *protocolServer) runAction(t testing.TB, actionType string, attrs map[string]tftypes.Value) invokeResult {
	t.Helper()
	return ps.runActionContext(t.Context(), t, actionType, attrs)
}

// runActionContext is runAction with a context of the caller's, which may
// end (a deadline, a cancellation) while the action runs.
func (ps *protocolServer) runActionContext(ctx context.Context, t testing.TB, actionType string, attrs map[string]tftypes.Value) invokeResult {
	t.Helper()
	config := ps.actionConfig(t, actionType, attrs)

	vresp, err := ps.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{ActionType: actionType, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	if hasErrors(vresp.Diagnostics) {
		return invokeResult{diagnostics: vresp.Diagnostics}
	}
	presp, err := ps.PlanAction(ctx, &tfprotov6.PlanActionRequest{ActionType: actionType, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	if hasErrors(presp.Diagnostics) {
		return invokeResult{diagnostics: presp.Diagnostics}
	}
	stream, err := ps.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{ActionType: actionType, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	var res invokeResult
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			res.progress = append(res.progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			res.diagnostics = append(res.diagnostics, e.Diagnostics...)
		}
	}
	return res
}

func objectType(s *tfprotov6.Schema) tftypes.Object {
	return s.ValueType().(tftypes.Object) //nolint:forcetypeassert // A schema's value type is always an object.
}

// withNulls fills every attribute of typ that attrs leaves out with null.
func withNulls(typ tftypes.Object, attrs map[string]tftypes.Value) map[string]tftypes.Value {
	out := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		if v, ok := attrs[name]; ok {
			out[name] = v
		} else {
			out[name] = tftypes.NewValue(at, nil)
		}
	}
	return out
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

// diagText renders diagnostics, attribute paths included, for assertions.
func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Severity.String() + ": " + d.Summary + ": " + d.Detail)
		if d.Attribute != nil {
			b.WriteString(" [at " + d.Attribute.String() + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// readResetToken reads a clevermaps_reset_token as Terraform core does after validating
// and planning, and returns the response.
func (ps *protocolServer) readResetToken(t testing.TB, attrs map[string]tftypes.Value) *tfprotov6.ReadDataSourceResponse {
	const typeName = "clevermaps_reset_token"
	t.Helper()
	resp, err := ps.ReadDataSource(t.Context(), &tfprotov6.ReadDataSourceRequest{
		TypeName: typeName,
		Config:   dynamicValue(t, ps.dataSourceTypes[typeName], attrs),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
