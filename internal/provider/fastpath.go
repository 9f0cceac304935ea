package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
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
// than the work itself (DESIGN.md, section 5, has the measurements).
// fastpath_test.go compares every fast path with the framework over random
// inputs.

// The type names as the Metadata methods build them, for routing calls (a
// mismatch only makes a fast path decline, which fastpath_test.go notices).
const (
	resetTokenTypeName = "clevermaps_reset_token"
	requestTypeName    = "clevermaps_password_reset_request"
	batchTypeName      = "clevermaps_password_reset_requests"
	tokenAttr          = "token"
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
	resp.Diagnostics = protoDiagnostics(vresp.Diagnostics)
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
	// As the framework does: on failure the state is the configuration.
	resp := &tfprotov6.ReadDataSourceResponse{State: req.Config}
	if v, ok := verifyResetToken(ctx, c, token.ValueString(), path.Root(tokenAttr), &diags); ok {
		state, err := tfprotov6.NewDynamicValue(resetTokenType, v)
		if err == nil {
			resp.State = &state
		} else {
			// A bug, reported rather than handed to the framework, which
			// would send the request again.
			diags.AddAttributeError(path.Root(tokenAttr), "Building the reset token's state failed",
				"This is a bug in the provider; please report it: "+err.Error())
		}
	}
	resp.Diagnostics = protoDiagnostics(diags)
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
// A state with private data goes to the framework, which may edit it, and
// so does every call before the provider is configured (or when it was not,
// or deferred: the client is stored only on success), since the framework
// then answers differently.
func (s *frontServer) readUnchanged(req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, bool) {
	if s.noFastPaths || (req.TypeName != requestTypeName && req.TypeName != batchTypeName) ||
		req.CurrentState == nil || len(req.Private) > 0 || req.CurrentIdentity != nil || s.provider.client.Load() == nil {
		return nil, false
	}
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState}, true
}

// batchSchemaInfo is the batch resource's schema, its type, and the
// defaults the framework would apply to its optional computed attributes.
type batchSchemaInfo struct {
	schema   schema.Schema
	typ      tftypes.Type
	defaults map[string]tftypes.Value
	// unmodelled lists what planUnchangedBatch cannot tell the effect of
	// (a default other than a top-level one, a plan modifier outside
	// keepsValues, an attribute kind it does not know); it answers nothing
	// while the list is not empty. TestBatchSchemaIsModelled keeps it empty.
	unmodelled []string
}

// keepsValues are the plan modifiers that change nothing when the proposed
// new state equals a fully known prior state: UseStateForUnknown acts only
// on unknown values, RequiresReplace only on values that differ.
var keepsValues = map[string]bool{
	fmt.Sprintf("%T", stringplanmodifier.UseStateForUnknown()): true,
	fmt.Sprintf("%T", mapplanmodifier.RequiresReplace()):       true,
}

var batchSchema = sync.OnceValue(func() batchSchemaInfo {
	ctx := context.Background()
	var resp resource.SchemaResponse
	newPasswordResetRequestsResource().Schema(ctx, resource.SchemaRequest{}, &resp)
	info := batchSchemaInfo{schema: resp.Schema, typ: resp.Schema.Type().TerraformType(ctx), defaults: map[string]tftypes.Value{}}
	info.unmodelled = modelAttributes(ctx, "", resp.Schema.Attributes, info.defaults)
	return info
})

// modelAttributes records the defaults of the top-level attributes in
// topDefaults (nil for nested attributes) and returns what it cannot model.
func modelAttributes(ctx context.Context, prefix string, attrs map[string]schema.Attribute, topDefaults map[string]tftypes.Value) []string {
	var unmodelled []string
	for name, a := range attrs {
		var modifiers []any
		var hasDefault bool
		var defaultValue tftypes.Value
		switch at := a.(type) {
		case schema.StringAttribute:
			modifiers, hasDefault = anySlice(at.PlanModifiers), at.Default != nil
		case schema.ListAttribute:
			modifiers, hasDefault = anySlice(at.PlanModifiers), at.Default != nil
		case schema.MapAttribute:
			modifiers, hasDefault = anySlice(at.PlanModifiers), at.Default != nil
		case schema.Int64Attribute:
			modifiers, hasDefault = anySlice(at.PlanModifiers), at.Default != nil
			if hasDefault {
				var d defaults.Int64Response
				at.Default.DefaultInt64(ctx, defaults.Int64Request{}, &d)
				defaultValue = tftypes.NewValue(tftypes.Number, d.PlanValue.ValueInt64())
			}
		case schema.BoolAttribute:
			modifiers, hasDefault = anySlice(at.PlanModifiers), at.Default != nil
			if hasDefault {
				var d defaults.BoolResponse
				at.Default.DefaultBool(ctx, defaults.BoolRequest{}, &d)
				defaultValue = tftypes.NewValue(tftypes.Bool, d.PlanValue.ValueBool())
			}
		case schema.SingleNestedAttribute:
			modifiers, hasDefault = anySlice(at.PlanModifiers), at.Default != nil
			unmodelled = append(unmodelled, modelAttributes(ctx, prefix+name+".", at.Attributes, nil)...)
		default:
			unmodelled = append(unmodelled, fmt.Sprintf("%s%s: attribute kind %T", prefix, name, a))
			continue
		}
		for _, m := range modifiers {
			if !keepsValues[fmt.Sprintf("%T", m)] {
				unmodelled = append(unmodelled, fmt.Sprintf("%s%s: plan modifier %T", prefix, name, m))
			}
		}
		switch {
		case !hasDefault:
		case topDefaults != nil && defaultValue.Type() != nil && a.IsOptional() && a.IsComputed():
			topDefaults[name] = defaultValue
		default:
			unmodelled = append(unmodelled, prefix+name+": a default planUnchangedBatch does not model")
		}
	}
	return unmodelled
}

func anySlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// planUnchangedBatch plans a clevermaps_password_reset_requests whose
// proposed new state is its prior state (the configuration changed
// nothing), where the batch planner finds nothing to mail or adopt and no
// default would change an attribute the configuration leaves out. The
// framework's answer is then the prior state, with no diagnostics: its
// plan modifiers keep every value (nothing is unknown and nothing differs)
// and ModifyPlan returns before setting anything.
func (s *frontServer) planUnchangedBatch(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, bool) {
	if s.noFastPaths || req.TypeName != batchTypeName || req.PriorState == nil || req.ProposedNewState == nil ||
		req.Config == nil || len(req.PriorPrivate) > 0 || req.PriorIdentity != nil {
		return nil, false
	}
	info := batchSchema()
	if len(info.unmodelled) > 0 || s.provider.client.Load() == nil {
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
