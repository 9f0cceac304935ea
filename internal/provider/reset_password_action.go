package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ action.Action              = (*resetPasswordAction)(nil)
	_ action.ActionWithConfigure = (*resetPasswordAction)(nil)
)

// resetPasswordAction finishes a reset as a Terraform 1.14+ action. Actions
// keep no state, so nothing it is given is persisted. Its secrets are plain
// attributes, not write-only: terraform-plugin-framework v1.19 validates
// action configurations as if the client could not take write-only values
// (fwserver sets WriteOnlyAttributesAllowed to false for action schemas) and
// rejects any value given to one. Action schemas cannot be marked sensitive
// either.
type resetPasswordAction struct {
	client *client.Client
}

func newResetPasswordAction() action.Action {
	return &resetPasswordAction{}
}

type resetPasswordModel struct {
	Token          types.String `tfsdk:"token"`
	NewPassword    types.String `tfsdk:"new_password"`
	ConsentGranted types.Bool   `tfsdk:"consent_granted"`
}

func (a *resetPasswordAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_reset_password"
}

func (a *resetPasswordAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		// The plugin framework cannot yet mark action arguments write-only or
		// sensitive; actions keep no state, so nothing is stored, but the CLI
		// hides the values only when they come from sensitive sources.
		MarkdownDescription: "Finishes a CleverMaps password reset when invoked: sets a new password for an account " +
			"with the single-use token from its reset mail. Requires Terraform 1.14 or later.\n\n" +
			"Actions keep no state, so neither the token nor the password is stored. The provider cannot mark action " +
			"arguments sensitive, so pass both from sensitive variables, whose values the CLI hides. " +
			"Use it for one-off rotations; use the `clevermaps_password_reset` resource when the configuration should " +
			"record that the password was set.",
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: "The reset token from the reset mail. Must not be empty and must not contain control characters, " +
					"`/`, `?`, `#`, `%` or `..`; such a token is rejected before anything is sent.",
				Required:   true,
				Validators: []validator.String{tokenValidator{}},
			},
			"new_password": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The new password, from 1 to %d characters. CleverMaps may demand more, such as a minimum "+
					"length, and then the action fails with its reason.", maxPasswordLength),
				Required:   true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, maxPasswordLength)},
			},
			"consent_granted": schema.BoolAttribute{
				MarkdownDescription: "Whether the account's owner accepts the terms, sent along with the new password; when unset, " +
					"nothing is sent about consent.",
				Optional: true,
			},
		},
	}
}

func (a *resetPasswordAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *resetPasswordAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m resetPasswordModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := resetInput{
		token:          m.Token.ValueString(),
		tokenPath:      path.Root("token"),
		password:       m.NewPassword.ValueString(),
		passwordPath:   path.Root("new_password"),
		consentGranted: m.ConsentGranted.ValueBoolPointer(),
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: "Finishing the password reset"})
	if performReset(secretContext(ctx, in.token, in.password), a.client, in, &resp.Diagnostics) {
		resp.SendProgress(action.InvokeProgressEvent{Message: "New password set"})
	}
}
