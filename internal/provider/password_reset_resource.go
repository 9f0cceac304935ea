package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ resource.Resource                     = (*passwordResetResource)(nil)
	_ resource.ResourceWithConfigure        = (*passwordResetResource)(nil)
	_ resource.ResourceWithConfigValidators = (*passwordResetResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*passwordResetResource)(nil)
)

// maxPasswordLength is the API's limit on newPassword.
const maxPasswordLength = 100

// passwordResetResource finishes a password reset (POST
// /accounts/passwordReset/{token}). Like the request resource it records a
// one-shot operation: Read keeps state, Delete forgets. Its secrets come in
// two modes: write-only arguments that never reach state (Terraform 1.11+,
// OpenTofu 1.11+), or sensitive stored arguments for older CLIs.
type passwordResetResource struct {
	client *client.Client
}

func newPasswordResetResource() resource.Resource {
	return &passwordResetResource{}
}

type passwordResetModel struct {
	ID                   types.String   `tfsdk:"id"`
	TokenWO              types.String   `tfsdk:"token_wo"`
	NewPasswordWO        types.String   `tfsdk:"new_password_wo"`
	NewPasswordWOVersion types.Int64    `tfsdk:"new_password_wo_version"`
	Token                types.String   `tfsdk:"token"`
	NewPassword          types.String   `tfsdk:"new_password"`
	ConsentGranted       types.Bool     `tfsdk:"consent_granted"`
	ResetAt              types.String   `tfsdk:"reset_at"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

func (r *passwordResetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password_reset"
}

func (r *passwordResetResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finishes a CleverMaps password reset: sets a new password for an account with the " +
			"single-use token from its reset mail. Use it to rotate the password of a technical account, together " +
			"with `clevermaps_password_reset_request` (which sends the mail) and the `clevermaps_reset_token` " +
			"ephemeral resource (which checks the token).\n\n" +
			"Creating the resource sets the password once; later plans send nothing. Changing `token`, " +
			"`new_password`, `consent_granted` or `new_password_wo_version` sets the password again. Destroying the " +
			"resource sends nothing and only removes the record from state. Do not manage with it a password that " +
			"people also change by hand: the next change of its arguments overwrites theirs.\n\n" +
			"Prefer the write-only arguments `token_wo` and `new_password_wo` (Terraform 1.11+, OpenTofu 1.11+): they " +
			"are never stored in state or plan files. The arguments `token` and `new_password` exist for older CLIs; " +
			"they are marked sensitive but are stored in state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Random identifier of this reset, assigned when the password is set.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"token_wo": schema.StringAttribute{
				MarkdownDescription: "Write-only: the reset token from the reset mail, never stored. Required, or `token`, whenever the plan " +
					"sets the password; may be left out afterwards. Conflicts with `token`. The same characters are " +
					"rejected as in `token`.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{tokenValidator{}},
			},
			"new_password_wo": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Write-only: the new password, never stored. From 1 to %d characters; CleverMaps may demand more, "+
					"such as a minimum length, and then the apply fails with its reason. Required, or `new_password`, whenever the plan sets "+
					"the password; may be left out afterwards. Conflicts with `new_password`.", maxPasswordLength),
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxPasswordLength)},
			},
			"new_password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number; changing it sets the password again with the `token_wo` and `new_password_wo` now given. " +
					"Write-only values are not stored, so Terraform cannot see that they changed: change this number instead.",
				Optional:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The reset token from the reset mail, stored in state (marked sensitive). For CLIs without write-only " +
					"arguments; prefer `token_wo`. Changing it sets the password again. Must not be empty and must not " +
					"contain control characters, `/`, `?`, `#`, `%` or `..`.",
				Optional:      true,
				Sensitive:     true,
				PlanModifiers: replace,
				Validators: []validator.String{
					tokenValidator{},
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot("token_wo")),
				},
			},
			"new_password": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The new password, from 1 to %d characters, stored in state (marked sensitive). For CLIs "+
					"without write-only arguments; prefer `new_password_wo`. Changing it sets the password again.", maxPasswordLength),
				Optional:      true,
				Sensitive:     true,
				PlanModifiers: replace,
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, maxPasswordLength),
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot("new_password_wo")),
				},
			},
			"consent_granted": schema.BoolAttribute{
				MarkdownDescription: "Whether the account's owner accepts the terms, sent along with the new password; when unset, nothing " +
					"is sent about consent. Changing it sets the password again.",
				Optional:      true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"reset_at": schema.StringAttribute{
				MarkdownDescription: "When CleverMaps accepted the new password, in RFC 3339 format (UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": createTimeoutAttribute(ctx),
		},
	}
}

// ConfigValidators allows at most one form of each secret. That one is
// given is checked in ModifyPlan, and only when a reset is about to happen:
// write-only values are not stored, so after the reset a configuration may
// leave them out (a used token is worthless anyway) without any change.
func (r *passwordResetResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("token_wo"), path.MatchRoot("token")),
		resourcevalidator.Conflicting(path.MatchRoot("new_password_wo"), path.MatchRoot("new_password")),
	}
}

// ModifyPlan demands a token and a password when the plan creates the
// resource, i.e. when the reset will be performed, so that a missing value
// fails the plan rather than the apply.
func (r *passwordResetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // Destroy.
	}
	var config, plan passwordResetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state passwordResetModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		// Only a change of these replaces the resource, i.e. resets again.
		if resp.Diagnostics.HasError() || (plan.NewPasswordWOVersion.Equal(state.NewPasswordWOVersion) &&
			plan.Token.Equal(state.Token) && plan.NewPassword.Equal(state.NewPassword) &&
			plan.ConsentGranted.Equal(state.ConsentGranted)) {
			return
		}
	}
	missing := func(wo, stored types.String) bool {
		return wo.IsNull() && stored.IsNull()
	}
	if missing(config.TokenWO, config.Token) {
		resp.Diagnostics.AddAttributeError(path.Root("token_wo"), "Missing reset token",
			"This plan performs a password reset, which needs the token from the reset mail: set token_wo (or, on CLIs without write-only arguments, token).")
	}
	if missing(config.NewPasswordWO, config.NewPassword) {
		resp.Diagnostics.AddAttributeError(path.Root("new_password_wo"), "Missing new password",
			"This plan performs a password reset, which needs the new password: set new_password_wo (or, on CLIs without write-only arguments, new_password).")
	}
}

func (r *passwordResetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *passwordResetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config passwordResetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values exist only in the configuration, never in the plan.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	in := resetInput{
		token:          firstKnown(config.TokenWO, plan.Token),
		tokenPath:      pathOf(config.TokenWO, "token_wo", "token"),
		password:       firstKnown(config.NewPasswordWO, plan.NewPassword),
		passwordPath:   pathOf(config.NewPasswordWO, "new_password_wo", "new_password"),
		consentGranted: plan.ConsentGranted.ValueBoolPointer(),
	}
	if in.token == "" || in.password == "" {
		resp.Diagnostics.AddError("Missing reset token or password", "Both a token and a new password are needed to perform the reset.")
		return
	}
	done := performReset(secretContext(ctx, in.token, in.password), r.client, in, &resp.Diagnostics)
	if !done {
		return
	}
	plan.ID = types.StringValue(randomID())
	plan.ResetAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	// Write-only attributes must be null in state.
	plan.TokenWO = types.StringNull()
	plan.NewPasswordWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the state as it is: a finished reset cannot be read back.
func (r *passwordResetResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

// Update only runs for changes of timeouts, since every other argument
// requires replacement; it sends nothing.
func (r *passwordResetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan passwordResetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.TokenWO = types.StringNull()
	plan.NewPasswordWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete only forgets the reset: a password cannot be un-reset.
func (r *passwordResetResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// resetInput is what a finish-reset needs, plus the attribute paths to name in
// diagnostics.
type resetInput struct {
	token, password         string
	tokenPath, passwordPath path.Path
	consentGranted          *bool
}

// performReset finishes a reset and reports any failure. It returns whether
// the password was (most likely) set, in which case the caller records it. It
// is shared by the resource and the action.
func performReset(ctx context.Context, c *client.Client, in resetInput, diags *diag.Diagnostics) bool {
	err := c.FinishPasswordReset(ctx, in.token, client.FinishResetRequest{NewPassword: in.password, ConsentGranted: in.consentGranted})
	if err == nil {
		return true
	}
	return finishResetDiagnostic(diags, c.Host(), in, err)
}

// firstKnown returns the value of the first string that is set.
func firstKnown(values ...types.String) string {
	for _, v := range values {
		if !v.IsNull() && !v.IsUnknown() {
			return v.ValueString()
		}
	}
	return ""
}

// pathOf names the write-only attribute when it is set, else the stored one.
func pathOf(wo types.String, woName, storedName string) path.Path {
	if !wo.IsNull() {
		return path.Root(woName)
	}
	return path.Root(storedName)
}
