package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
)

var _ function.Function = isEmailFunction{}

// isEmailFunction is provider::clevermaps::is_email: the validation every
// address attribute of the provider applies (emailProblem), as a test, so
// that a configuration can drop what the resources would refuse instead of
// failing the whole plan on one bad value.
type isEmailFunction struct{}

func newIsEmailFunction() function.Function { return isEmailFunction{} }

func (isEmailFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "is_email"
}

func (isEmailFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Whether a string is an email address the provider accepts",
		MarkdownDescription: "Returns `true` when the value passes the validation that every email address attribute " +
			"of this provider applies (`emails` of `clevermaps_password_reset_requests`, `email` of " +
			"`clevermaps_password_reset_request`), and `false` otherwise. An accepted address is a plain " +
			"`name@example.com`: no display name (`Ada <ada@example.com>`), no spaces or control characters, a " +
			"domain with at least one dot, at most 64 characters before the `@` and 254 in all.\n\n" +
			"Use it to drop values that are not addresses, for example rows of an export, before they reach a " +
			"resource: one value the resource refuses fails the whole plan. Whether the API has an account for an " +
			"accepted address is only known when it is mailed. Leading or trailing spaces make the value invalid, " +
			"so trim first with `trimspace()`. Needs Terraform 1.8 or later, or OpenTofu 1.7 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "value",
				MarkdownDescription: "The string to check.",
			},
		},
		Return: function.BoolReturn{},
	}
}

func (isEmailFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	value, ok := stringArgument(ctx, req, resp)
	if !ok {
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, emailProblem(value) == ""))
}
