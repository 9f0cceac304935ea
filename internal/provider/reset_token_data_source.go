package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ datasource.DataSource              = (*resetTokenDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*resetTokenDataSource)(nil)
)

// resetTokenDataSource verifies a reset token (GET
// /accounts/passwordReset/{token}). The token is stored in state, marked
// sensitive; the ephemeral resource of the same name avoids that on CLIs
// that support ephemeral resources.
type resetTokenDataSource struct {
	client *client.Client
}

func newResetTokenDataSource() datasource.DataSource {
	return &resetTokenDataSource{}
}

func (d *resetTokenDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_reset_token"
}

func (d *resetTokenDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Checks a CleverMaps password-reset token and returns the account it belongs to. " +
			"The check does not use up the token, and an unknown, expired or used token gives `valid = false` " +
			"rather than an error. Terraform checks the token each time it reads the data source, normally once " +
			"per plan.\n\n" +
			"Use it to check a token before finishing a reset, or to make a configuration depend on a token being " +
			"valid. The token is stored in state (marked sensitive); on Terraform 1.10+ and OpenTofu 1.11+ prefer the " +
			"`clevermaps_reset_token` ephemeral resource, which keeps it out of state and plan files.",
		Attributes: dataSourceAttributes(resetTokenComputed, map[string]schema.Attribute{
			"token": schema.StringAttribute{
				MarkdownDescription: descToken,
				Required:            true,
				Sensitive:           true,
				Validators:          []validator.String{tokenValidator{}},
			},
		}),
	}
}

// dataSourceAttributes adds the computed attributes of table to attrs.
func dataSourceAttributes(table map[string]computedAttr, attrs map[string]schema.Attribute) map[string]schema.Attribute {
	for name, a := range table {
		switch {
		case a.nested != nil:
			attrs[name] = schema.SingleNestedAttribute{MarkdownDescription: a.desc, Computed: true,
				Attributes: dataSourceAttributes(a.nested, map[string]schema.Attribute{})}
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

func (d *resetTokenDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *resetTokenDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	// The token alone is read, and the result is stored as built: see
	// reset_token.go for why no model struct is used.
	var token types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("token"), &token)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if v, ok := verifyResetToken(ctx, d.client, token.ValueString(), path.Root("token"), &resp.Diagnostics); ok {
		resp.State.Raw = v
	}
}
