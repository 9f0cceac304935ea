// Package provider implements the CleverMaps Terraform/OpenTofu provider on
// terraform-plugin-framework. It knows Terraform and nothing of HTTP: every
// API call goes through package client.
package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// EndpointEnvVar names the environment variable that sets the API endpoint
// when the provider block does not.
const EndpointEnvVar = "CLEVERMAPS_ENDPOINT"

var (
	_ provider.Provider                       = (*clevermapsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*clevermapsProvider)(nil)
	_ provider.ProviderWithActions            = (*clevermapsProvider)(nil)
)

// clevermapsProvider is the provider. One instance serves one provider block,
// and every type it configures shares one API client, hence one connection
// pool and one rate limit.
type clevermapsProvider struct {
	version string
}

// New returns a function that creates the provider, as providerserver wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &clevermapsProvider{version: version}
	}
}

type providerModel struct {
	Endpoint              types.String  `tfsdk:"endpoint"`
	RequestTimeoutMs      types.Int64   `tfsdk:"request_timeout_ms"`
	Retry                 *retryModel   `tfsdk:"retry"`
	RequestsPerSecond     types.Float64 `tfsdk:"requests_per_second"`
	Burst                 types.Int64   `tfsdk:"burst"`
	MaxConcurrentRequests types.Int64   `tfsdk:"max_concurrent_requests"`
	AllowInsecureHTTP     types.Bool    `tfsdk:"allow_insecure_http"`
}

type retryModel struct {
	Attempts   types.Int64 `tfsdk:"attempts"`
	MinDelayMs types.Int64 `tfsdk:"min_delay_ms"`
	MaxDelayMs types.Int64 `tfsdk:"max_delay_ms"`
}

func (p *clevermapsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "clevermaps"
	resp.Version = p.version
}

func (p *clevermapsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The CleverMaps provider drives the password-reset flow of the " +
			"[CleverMaps](https://www.clevermaps.io) location-intelligence platform: it sends reset mails when " +
			"accounts are onboarded, verifies reset tokens, and finishes resets to rotate the passwords of " +
			"technical accounts. The password-reset endpoints are anonymous, so the provider needs no credentials.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Base URL of the CleverMaps REST API, for example `%s` (production, the default) "+
					"or `%s` (staging). May also be set with the `%s` environment variable. Must be an absolute "+
					"`https://` URL (or `http://` for this machine's loopback; see `allow_insecure_http`) without "+
					"credentials, query or fragment.",
					client.DefaultEndpoint, client.StagingEndpoint, EndpointEnvVar),
				Optional:   true,
				Validators: []validator.String{endpointValidator{}},
			},
			allowInsecureHTTPAttr: schema.BoolAttribute{
				MarkdownDescription: "Accept a plain `http://` endpoint on a host other than this machine's loopback " +
					"(`localhost`, `127.0.0.0/8`, `::1`). Without it such an endpoint is refused, because reset tokens " +
					"(in the URL) and new passwords (in the body) would cross the network unencrypted. Defaults to `false`.",
				Optional: true,
			},
			"request_timeout_ms": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Timeout of a single HTTP request in milliseconds (each retry gets its own). Defaults to %d.", client.DefaultTimeout.Milliseconds()),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 600_000)},
			},
			"retry": schema.SingleNestedAttribute{
				MarkdownDescription: "How failed requests are retried. Verifying a token is retried on connection " +
					"errors, 429, 502, 503 and 504. Requests that send a mail or change a password are retried only " +
					"when the server certainly did not act (connection refused, 429, 503 with `Retry-After`), so that " +
					"nobody gets two mails. A `Retry-After` header is honoured up to `max_delay_ms`.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"attempts": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("Most requests sent for one call, the first included; `1` disables retries. Defaults to %d.", client.DefaultMaxAttempts),
						Optional:            true,
						Validators:          []validator.Int64{int64validator.Between(1, 20)},
					},
					"min_delay_ms": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("Shortest wait between attempts in milliseconds; the wait doubles on every retry. Defaults to %d.", client.DefaultMinRetryWait.Milliseconds()),
						Optional:            true,
						Validators:          []validator.Int64{int64validator.Between(0, 3_600_000)},
					},
					"max_delay_ms": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("Longest wait between attempts in milliseconds, also the cap on a server's `Retry-After`. Must not be less than `min_delay_ms`. Defaults to %d.", client.DefaultMaxRetryWait.Milliseconds()),
						Optional:            true,
						Validators: []validator.Int64{
							int64validator.Between(0, 3_600_000),
							int64validator.AtLeastSumOf(path.MatchRelative().AtParent().AtName("min_delay_ms")),
						},
					},
				},
			},
			"requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "Client-side limit on requests per second, shared by everything this provider " +
					"block configures. Unset or `0` means no limit. When the server answers 429, all requests pause " +
					"together for its `Retry-After`.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.Between(0, 100_000)},
			},
			"burst": schema.Int64Attribute{
				MarkdownDescription: "How many requests may be sent at once above `requests_per_second`. Defaults to 1.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 10_000)},
			},
			"max_concurrent_requests": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Most requests in flight at once across this provider block. Defaults to %d.", client.DefaultMaxConcurrentRequests),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 1024)},
			},
		},
	}
}

func (p *clevermapsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if cfg.Endpoint.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Unknown CleverMaps endpoint",
			"The endpoint depends on a value that is only known after apply. Set it to a known value, "+
				"or leave it out and set "+EndpointEnvVar+" instead.")
		return
	}
	endpoint, source := client.DefaultEndpoint, "default"
	if v, ok := os.LookupEnv(EndpointEnvVar); ok && v != "" {
		endpoint, source = v, "the "+EndpointEnvVar+" environment variable"
	}
	if !cfg.Endpoint.IsNull() {
		endpoint, source = cfg.Endpoint.ValueString(), "the provider configuration"
	}
	if _, err := client.ParseEndpoint(endpoint); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid CleverMaps endpoint",
			fmt.Sprintf("The endpoint from %s is not usable: %s.", source, err))
		return
	}
	if msg := insecureEndpointProblem(endpoint, source, cfg.AllowInsecureHTTP.ValueBool()); msg != "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Plain HTTP endpoint refused", msg)
		return
	}

	ccfg := client.Config{
		Endpoint:  endpoint,
		UserAgent: p.userAgent(req.TerraformVersion),
		Logger:    tflogAdapter{},
	}
	if v := cfg.RequestTimeoutMs; !v.IsNull() && !v.IsUnknown() {
		ccfg.Timeout = time.Duration(v.ValueInt64()) * time.Millisecond
	}
	ccfg.MinRetryWait, ccfg.MaxRetryWait = client.DefaultMinRetryWait, client.DefaultMaxRetryWait
	if r := cfg.Retry; r != nil {
		if !r.Attempts.IsNull() && !r.Attempts.IsUnknown() {
			ccfg.MaxAttempts = int(r.Attempts.ValueInt64())
		}
		if !r.MinDelayMs.IsNull() && !r.MinDelayMs.IsUnknown() {
			ccfg.MinRetryWait = time.Duration(r.MinDelayMs.ValueInt64()) * time.Millisecond
			ccfg.MaxRetryWait = max(ccfg.MaxRetryWait, ccfg.MinRetryWait)
		}
		if !r.MaxDelayMs.IsNull() && !r.MaxDelayMs.IsUnknown() {
			ccfg.MaxRetryWait = time.Duration(r.MaxDelayMs.ValueInt64()) * time.Millisecond
			ccfg.MinRetryWait = min(ccfg.MinRetryWait, ccfg.MaxRetryWait)
		}
	}
	if v := cfg.RequestsPerSecond; !v.IsNull() && !v.IsUnknown() {
		ccfg.RequestsPerSecond = v.ValueFloat64()
	}
	if v := cfg.Burst; !v.IsNull() && !v.IsUnknown() {
		ccfg.Burst = int(v.ValueInt64())
	}
	if v := cfg.MaxConcurrentRequests; !v.IsNull() && !v.IsUnknown() {
		ccfg.MaxConcurrentRequests = int(v.ValueInt64())
	}

	c, err := client.New(ccfg)
	if err != nil {
		resp.Diagnostics.AddError("Invalid CleverMaps provider configuration", err.Error())
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
	resp.EphemeralResourceData = c
	resp.ActionData = c
}

func (p *clevermapsProvider) userAgent(terraformVersion string) string {
	ua := "terraform-provider-clevermaps/" + p.version
	if terraformVersion != "" {
		ua += " (Terraform/" + terraformVersion + ")"
	}
	return ua
}

func (p *clevermapsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newPasswordResetRequestResource,
		newPasswordResetResource,
		newPasswordResetRequestsResource,
	}
}

func (p *clevermapsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newResetTokenDataSource,
	}
}

func (p *clevermapsProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		newResetTokenEphemeralResource,
	}
}

func (p *clevermapsProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		newSendPasswordResetAction,
		newResetPasswordAction,
	}
}

// clientFrom extracts the API client that Configure stored as provider data.
// It returns nil without a diagnostic while the provider is not configured
// yet (Terraform calls Configure on resources early, during validation).
func clientFrom(data any, diags interface{ AddError(string, string) }) *client.Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*client.Client)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *client.Client, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return c
}
