package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ ephemeral.EphemeralResource              = (*resetTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*resetTokenEphemeralResource)(nil)
)

// resetTokenEphemeralResource is the twin of resetTokenDataSource that leaves
// no trace in state or plan files. Both call verifyResetToken.
type resetTokenEphemeralResource struct {
	client *client.Client
}

func newResetTokenEphemeralResource() ephemeral.EphemeralResource {
	return &resetTokenEphemeralResource{}
}

func (e *resetTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_reset_token"
}

func (e *resetTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Verifies a CleverMaps password-reset token and returns the account it belongs to " +
			"(`GET /accounts/passwordReset/{token}`), without storing anything in state or plan files " +
			"(Terraform 1.10+, OpenTofu 1.11+). Verifying does not use up the token.\n\n" +
			"Use it in a password-rotation pipeline to check a token before `clevermaps_password_reset` uses it, " +
			"for example in a `precondition`. On older CLIs use the `clevermaps_reset_token` data source.",
		Attributes: map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: descToken,
				Required:            true,
				Sensitive:           true,
				Validators:          []validator.String{tokenValidator{}},
			},
			"valid":           schema.BoolAttribute{MarkdownDescription: descValid, Computed: true},
			"account_id":      schema.StringAttribute{MarkdownDescription: descAccountID, Computed: true},
			"full_name":       schema.StringAttribute{MarkdownDescription: descFullName, Computed: true},
			"email":           schema.StringAttribute{MarkdownDescription: descEmail, Computed: true},
			"status":          schema.StringAttribute{MarkdownDescription: descStatus, Computed: true},
			"consent_granted": schema.BoolAttribute{MarkdownDescription: descConsentGranted, Computed: true},
			"anonymous":       schema.BoolAttribute{MarkdownDescription: descAnonymous, Computed: true},
			"phone_number":    schema.StringAttribute{MarkdownDescription: descPhoneNumber, Computed: true},
			"preferences": schema.SingleNestedAttribute{
				MarkdownDescription: descPreferences,
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"language":                 schema.StringAttribute{MarkdownDescription: descLanguage, Computed: true},
					"last_active_project":      schema.StringAttribute{MarkdownDescription: descLastProject, Computed: true},
					"last_active_organization": schema.StringAttribute{MarkdownDescription: descLastOrganization, Computed: true},
					"send_newsletter":          schema.BoolAttribute{MarkdownDescription: descSendNewsletter, Computed: true},
				},
			},
			"onboarding": schema.SingleNestedAttribute{
				MarkdownDescription: descOnboarding,
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"intro_shown": schema.ListAttribute{MarkdownDescription: descIntroShown, ElementType: types.StringType, Computed: true},
					"tips_shown":  schema.ListAttribute{MarkdownDescription: descTipsShown, ElementType: types.StringType, Computed: true},
				},
			},
		},
	}
}

func (e *resetTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *resetTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m resetTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = secretContext(ctx, m.Token.ValueString())
	diags, err := verifyResetToken(ctx, e.client, &m)
	resp.Diagnostics.Append(diags...)
	if err != nil {
		verifyTokenDiagnostic(&resp.Diagnostics, path.Root("token"), err)
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
