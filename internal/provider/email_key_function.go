package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
)

var _ function.Function = emailKeyFunction{}

// emailKeyFunction is provider::clevermaps::email_key: the provider's rule
// for when two addresses are one (address.Key), for configurations that
// normalise, deduplicate or spread addresses over resources themselves, so
// that they agree with the resources on who an address is.
type emailKeyFunction struct{}

func newEmailKeyFunction() function.Function { return emailKeyFunction{} }

func (emailKeyFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "email_key"
}

func (emailKeyFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The canonical form of an email address, by which the provider tells addresses apart",
		MarkdownDescription: "Returns the key by which this provider decides whether two email addresses are the same " +
			"address: the address in Unicode normalization form C, then case-folded with full Unicode case folding. " +
			"`Ada.Lovelace@Example.com` and `ada.lovelace@example.com` have the same key, as do `Straße@example.com` " +
			"and `strasse@example.com`. Use it to normalise, deduplicate or spread addresses over resources the way " +
			"`clevermaps_password_reset_requests` compares them. For ASCII addresses it is the same as `lower()`.\n\n" +
			"It does not trim whitespace or check that the value is an address: combine it with `trimspace()` and " +
			"`provider::clevermaps::is_email()`. Needs Terraform 1.8 or later, or OpenTofu 1.7 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "email",
				MarkdownDescription: "The email address.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (emailKeyFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	email, ok := stringArgument(ctx, req, resp)
	if !ok {
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, address.Key(email)))
}
