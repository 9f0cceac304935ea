package provider

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The fast paths of frontServer. Each one answers a call Terraform makes
// once per resource instance exactly as the framework would, using the same
// code of this provider that the framework would call (the token validator,
// verifyResetToken, the batch planner), and gives up (ok = false) on
// anything it was not written for, so that the framework answers instead.
// They exist because the framework's walk over schemas and values cost more
// than the work itself: for 1,000 token reads the framework took more CPU
// than the requests, and for a 10,000-address batch a refresh that changes
// nothing took 0.4 s and an unchanged plan 0.9 s of provider CPU (measured
// with BenchmarkResetTokenRead and BenchmarkBatchResource). fastpath_test.go
// compares every fast path with the framework over random inputs.

const (
	resetTokenTypeName    = "clevermaps_reset_token"
	passwordResetRequest  = "clevermaps_password_reset_request"
	passwordResetRequests = "clevermaps_password_reset_requests"
	tokenAttr             = "token"
)

// validateResetToken validates a clevermaps_reset_token data source's
// configuration: the only validator is the token's. A configuration without
// a token goes to the framework, which reports the missing required
// attribute, and so does one that sets a computed attribute (see
// tokenFromConfig).
func (s *frontServer) validateResetToken(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, bool) {
	if s.noFastPaths || req.TypeName != resetTokenTypeName || req.Config == nil {
		return nil, false
	}
	token, ok := tokenFromConfig(req.Config)
	if !ok || token.IsNull() {
		return nil, false
	}
	resp := &tfprotov6.ValidateDataResourceConfigResponse{}
	if token.IsUnknown() {
		return resp, true
	}
	vresp := &validator.StringResponse{}
	tokenValidator{}.ValidateString(ctx, validator.StringRequest{Path: path.Root(tokenAttr), ConfigValue: token}, vresp)
	if len(vresp.Diagnostics) > 0 {
		resp.Diagnostics = protoDiagnostics(vresp.Diagnostics)
	}
	return resp, true
}

// readResetToken reads a clevermaps_reset_token data source as its Read
// method does.
func (s *frontServer) readResetToken(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, bool) {
	c := s.provider.client.Load()
	if s.noFastPaths || req.TypeName != resetTokenTypeName || req.Config == nil || c == nil {
		return nil, false
	}
	token, ok := tokenFromConfig(req.Config)
	if !ok || token.IsNull() || token.IsUnknown() {
		return nil, false
	}
	var diags diag.Diagnostics
	v, ok := verifyResetToken(ctx, c, token.ValueString(), path.Root(tokenAttr), &diags)
	resp := &tfprotov6.ReadDataSourceResponse{Diagnostics: protoDiagnostics(diags)}
	if !ok {
		// As the framework does: on failure the state is the configuration.
		resp.State = req.Config
		return resp, true
	}
	state, err := tfprotov6.NewDynamicValue(resetTokenType, v)
	if err != nil {
		return nil, false
	}
	resp.State = &state
	return resp, true
}

// tokenFromConfig decodes the token of a clevermaps_reset_token
// configuration. It gives up on a configuration that sets any other
// attribute: they are computed, and the framework's validation refuses them
// ("Invalid Configuration for Read-Only Attribute").
func tokenFromConfig(config *tfprotov6.DynamicValue) (types.String, bool) {
	v, err := config.Unmarshal(resetTokenType)
	if err != nil || !v.IsKnown() || v.IsNull() {
		return types.String{}, false
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return types.String{}, false
	}
	for name, a := range attrs {
		if name != tokenAttr && !a.IsNull() {
			return types.String{}, false
		}
	}
	t := attrs[tokenAttr]
	switch {
	case !t.IsKnown():
		return types.StringUnknown(), true
	case t.IsNull():
		return types.StringNull(), true
	}
	var token string
	if err := t.As(&token); err != nil {
		return types.String{}, false
	}
	return types.StringValue(token), true
}

// readUnchanged refreshes the two resources whose Read does nothing (the
// API has no way to read a reset request back): the state stays as it is.
// A state with private data goes to the framework, which may edit it.
func (s *frontServer) readUnchanged(req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	if s.noFastPaths || (req.TypeName != passwordResetRequest && req.TypeName != passwordResetRequests) ||
		req.CurrentState == nil || len(req.Private) > 0 || req.CurrentIdentity != nil {
		return nil, false
	}
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState}, true
}

// batchSchemaInfo is the batch resource's schema, its type, and the defaults
// the framework would apply to its optional computed attributes.
type batchSchemaInfo struct {
	schema   schema.Schema
	typ      tftypes.Type
	defaults map[string]tftypes.Value
	// supported is false when the schema has an optional computed attribute
	// whose default planUnchangedBatch cannot tell; it then never answers.
	supported bool
}

var batchSchema = sync.OnceValue(func() batchSchemaInfo {
	ctx := context.Background()
	var resp resource.SchemaResponse
	newPasswordResetRequestsResource().Schema(ctx, resource.SchemaRequest{}, &resp)
	info := batchSchemaInfo{schema: resp.Schema, typ: resp.Schema.Type().TerraformType(ctx), defaults: map[string]tftypes.Value{}, supported: true}
	for name, a := range resp.Schema.Attributes {
		if !a.IsOptional() || !a.IsComputed() {
			continue
		}
		switch at := a.(type) {
		case schema.Int64Attribute:
			if at.Default == nil {
				info.supported = false
				continue
			}
			var d defaults.Int64Response
			at.Default.DefaultInt64(ctx, defaults.Int64Request{}, &d)
			info.defaults[name] = tftypes.NewValue(tftypes.Number, d.PlanValue.ValueInt64())
		case schema.BoolAttribute:
			if at.Default == nil {
				info.supported = false
				continue
			}
			var d defaults.BoolResponse
			at.Default.DefaultBool(ctx, defaults.BoolRequest{}, &d)
			info.defaults[name] = tftypes.NewValue(tftypes.Bool, d.PlanValue.ValueBool())
		default:
			info.supported = false
		}
	}
	return info
})

// planUnchangedBatch plans a clevermaps_password_reset_requests whose
// proposed new state is its prior state (the configuration changed
// nothing), where the batch planner finds nothing to mail or adopt and no
// default would change an attribute the configuration leaves out. The
// framework's answer is then the prior state, with no diagnostics: its
// plan modifiers keep every value (nothing is unknown and nothing differs)
// and ModifyPlan returns before setting anything.
func (s *frontServer) planUnchangedBatch(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	if s.noFastPaths || req.TypeName != passwordResetRequests || req.PriorState == nil || req.ProposedNewState == nil ||
		req.Config == nil || len(req.PriorPrivate) > 0 || req.PriorIdentity != nil {
		return nil, false
	}
	info := batchSchema()
	if !info.supported {
		return nil, false
	}
	prior, err := req.PriorState.Unmarshal(info.typ)
	if err != nil || prior.IsNull() || !prior.IsFullyKnown() {
		return nil, false
	}
	proposed, err := req.ProposedNewState.Unmarshal(info.typ)
	if err != nil || !proposed.Equal(prior) {
		return nil, false
	}
	config, err := req.Config.Unmarshal(info.typ)
	if err != nil || !defaultsKeep(config, prior, info.defaults) {
		return nil, false
	}

	var diags diag.Diagnostics
	var m passwordResetRequestsModel
	diags.Append(tfsdk.State{Schema: info.schema, Raw: prior}.Get(ctx, &m)...)
	if diags.HasError() {
		return nil, false
	}
	mp, ok := planFromModel(ctx, m, readBatchState(ctx, m, &diags), timeNow(), &diags)
	if !ok || len(diags) > 0 || len(mp.toMail) > 0 || len(mp.adopted) > 0 {
		return nil, false
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: req.ProposedNewState}, true
}

// defaultsKeep reports whether every defaulted attribute that the
// configuration leaves null already holds its default in the prior state.
func defaultsKeep(config, prior tftypes.Value, defaults map[string]tftypes.Value) bool {
	var cfg, st map[string]tftypes.Value
	if config.As(&cfg) != nil || prior.As(&st) != nil {
		return false
	}
	for name, d := range defaults {
		if cfg[name].IsNull() && !st[name].Equal(d) {
			return false
		}
	}
	return true
}
