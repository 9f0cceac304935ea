package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// Reset tokens travel in the URL path and new passwords in the request body,
// so a plain http:// endpoint on another machine, often a typo, would send
// both across the network unencrypted. Plain HTTP is therefore accepted only
// for the loopback (the stand-in, an SSH tunnel) unless the configuration
// opts in with allowInsecureHTTPAttr.

const allowInsecureHTTPAttr = "allow_insecure_http"

var _ provider.ProviderWithValidateConfig = (*clevermapsProvider)(nil)

// ValidateConfig refuses, at validate time and before any request can be
// sent, a provider block that names no endpoint while CLEVERMAPS_ENDPOINT is
// unset too (the provider runs with the CLI's environment, so the variable
// is what Configure will see), and a plain http:// endpoint on a
// non-loopback host. Configure checks both again, with the endpoint from
// the environment; the CLI skips this call for a configuration without a
// provider block, so Configure's check is the one that always runs.
func (p *clevermapsProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var endpoint types.String
	var allow types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("endpoint"), &endpoint)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(allowInsecureHTTPAttr), &allow)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if endpoint.IsNull() && os.Getenv(EndpointEnvVar) == "" {
		addMissingEndpoint(&resp.Diagnostics)
		return
	}
	if endpoint.IsNull() || endpoint.IsUnknown() || allow.IsUnknown() {
		return
	}
	if msg := insecureEndpointProblem(endpoint.ValueString(), "the provider configuration", allow.ValueBool()); msg != "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Plain HTTP endpoint refused", msg)
	}
}

// insecureEndpointProblem returns why endpoint must not be used, or "" when
// it is https://, loopback, explicitly allowed, or invalid (the endpoint
// validator reports that).
func insecureEndpointProblem(endpoint, source string, allowed bool) string {
	u, err := client.ParseEndpoint(endpoint)
	if err != nil || u.Scheme != "http" || allowed || client.IsLoopbackURL(u) {
		return ""
	}
	return fmt.Sprintf("The endpoint from %s uses plain http:// for the host %q, which is not this machine's "+
		"loopback (localhost, 127.0.0.0/8, ::1). Reset tokens travel in the URL and new passwords in the "+
		"request body, so anyone on the network path could read them. Use https://; or, if the network "+
		"path is trusted, set %s = true in the provider block.", source, u.Hostname(), allowInsecureHTTPAttr)
}
