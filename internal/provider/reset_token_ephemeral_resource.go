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
		MarkdownDescription: "Checks a CleverMaps password-reset token and returns the account it belongs to, " +
			"without storing the token or the result in state or plan files (Terraform 1.10+, OpenTofu 1.11+). " +
			"The check does not use up the token, and an unknown, expired or used token gives `valid = false` " +
			"rather than an error. The token is checked every time Terraform opens the ephemeral resource, which " +
			"can be more than once per plan or apply.\n\n" +
			"Use it in a password rotation to check a token before `clevermaps_password_reset` uses it, for example " +
			"in a `precondition`. On older CLIs use the `clevermaps_reset_token` data source.",
		Attributes: ephemeralAttributes(resetTokenComputed, map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: descToken,
				Required:            true,
				Sensitive:           true,
				Validators:          []validator.String{tokenValidator{}},
			},
		}),
	}
}

// ephemeralAttributes adds the computed attributes of table to attrs; it is
// dataSourceAttributes for the ephemeral schema package.
func ephemeralAttributes(table map[string]computedAttr, attrs map[string]schema.Attribute) map[string]schema.Attribute {
	for name, a := range table {
		switch {
		case a.nested != nil:
			attrs[name] = schema.SingleNestedAttribute{MarkdownDescription: a.desc, Computed: true,
				Attributes: ephemeralAttributes(a.nested, map[string]schema.Attribute{})}
		case a.typ == types.BoolType:
			attrs[name] = schema.BoolAttribute{MarkdownDescription: a.desc, Computed: true}
		case a.typ == types.StringType:
			attrs[name] = schema.StringAttribute{MarkdownDescription: a.desc, Computed: true}
		default:
			attrs[name] = schema.ListAttribute{MarkdownDescription: a.desc, Computed: true, ElementType: types.StringType}
		}
	}
	return attrs
}

func (e *resetTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *resetTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	// The token alone is read, and the result is stored as built: see
	// reset_token.go for why no model struct is used.
	var token types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("token"), &token)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if v, ok := verifyResetToken(ctx, e.client, token.ValueString(), path.Root("token"), &resp.Diagnostics); ok {
		resp.Result.Raw = v
	}
}
