package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ action.Action              = (*sendPasswordResetAction)(nil)
	_ action.ActionWithConfigure = (*sendPasswordResetAction)(nil)
)

// sendPasswordResetAction sends a reset mail as a Terraform 1.14+ action: a
// one-shot operation with no state, which is what sending a mail really is.
type sendPasswordResetAction struct {
	client *client.Client
}

func newSendPasswordResetAction() action.Action {
	return &sendPasswordResetAction{}
}

type sendPasswordResetModel struct {
	Email types.String `tfsdk:"email"`
}

func (a *sendPasswordResetAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_send_password_reset"
}

func (a *sendPasswordResetAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends a CleverMaps password-reset mail (`POST /accounts/passwordReset`) when invoked, " +
			"for example from a resource's `action_trigger` or with `terraform apply -invoke`. Requires Terraform 1.14+. " +
			"Unlike `clevermaps_password_reset_request` it keeps no state: use it for one-off resets; use the resource " +
			"when the configuration should remember that a mail was sent.",
		Attributes: map[string]schema.Attribute{
			"email": schema.StringAttribute{
				MarkdownDescription: "Email address of the CleverMaps account that gets the reset mail.",
				Required:            true,
				Validators:          []validator.String{emailValidator{}},
			},
		},
	}
}

func (a *sendPasswordResetAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *sendPasswordResetAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m sendPasswordResetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	email := m.Email.ValueString()
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Requesting a password-reset mail for %s", email)})
	if err := a.client.RequestPasswordReset(ctx, email); err != nil {
		requestResetDiagnostic(&resp.Diagnostics, path.Root("email"), email, err)
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Password-reset mail sent to %s", email)})
}
