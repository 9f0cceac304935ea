package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The provider-defined functions (email_key_function.go,
// is_email_function.go) are registered in provider.go, Functions.

// stringArgument reads the one string argument of a function. The CLIs
// refuse a null argument themselves before they call the provider, since
// the parameter does not allow null; the check here makes a direct protocol
// call fail as clearly.
func stringArgument(ctx context.Context, req function.RunRequest, resp *function.RunResponse) (string, bool) {
	var v types.String
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &v))
	if resp.Error != nil {
		return "", false
	}
	if v.IsNull() || v.IsUnknown() {
		resp.Error = function.NewArgumentFuncError(0, "The argument must be a known string, not null.")
		return "", false
	}
	return v.ValueString(), true
}
