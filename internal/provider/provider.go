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
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// retry.attempts counts retries after the first try, as the attribute of the
// same name in hashicorp/http does; the client's MaxAttempts counts tries.
const (
	defaultRetries = client.DefaultMaxAttempts - 1
	maxRetries     = 20
)

// EndpointEnvVar names the environment variable that sets the API endpoint
// when the provider block does not.
const EndpointEnvVar = "CLEVERMAPS_ENDPOINT"

var (
	_ provider.Provider                       = (*clevermapsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*clevermapsProvider)(nil)
	_ provider.ProviderWithActions            = (*clevermapsProvider)(nil)
	_ provider.ProviderWithFunctions          = (*clevermapsProvider)(nil)
)

// clevermapsProvider is the provider. One instance serves one provider block,
// and every type it configures shares one API client, hence one connection
// pool and one rate limit.
type clevermapsProvider struct {
	version string
	// clock and batchTimeout are handed to every type with the client;
	// tests replace them (see newProvider).
	clock        func() time.Time
	batchTimeout batch.TimeoutRule
}

// New returns a function that creates the provider, as providerserver wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return newProvider(version)
	}
}

func newProvider(version string) *clevermapsProvider {
	return &clevermapsProvider{version: version, clock: time.Now, batchTimeout: batch.DefaultTimeoutRule}
}

// configured is what Configure hands every type: the API client, which
// every type of one provider block shares (one connection pool, one rate
// limit), the clock of sent times and resend_after, and the default timeout
// rule of the batch resource.
type configured struct {
	client       *client.Client
	clock        func() time.Time
	batchTimeout batch.TimeoutRule
}

// now reads the provider's clock; before Configure (validation) it is the
// system's.
func (c *configured) now() time.Time {
	if c == nil || c.clock == nil {
		return time.Now()
	}
	return c.clock()
}

type providerModel struct {
	Endpoint              types.String  `tfsdk:"endpoint"`
	RequestTimeoutMs      types.Int64   `tfsdk:"request_timeout_ms"`
	Retry                 *retryModel   `tfsdk:"retry"`
	RequestsPerSecond     types.Float64 `tfsdk:"requests_per_second"`
	Burst                 types.Int64   `tfsdk:"burst"`
	MaxConcurrentRequests types.Int64   `tfsdk:"max_concurrent_requests"`
	AllowInsecureHTTP     types.Bool    `tfsdk:"allow_insecure_http"`
	CACertPEM             types.String  `tfsdk:"ca_cert_pem"`
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
		MarkdownDescription: "The CleverMaps provider runs the password-reset flow of " +
			"[CleverMaps](https://www.clevermaps.io): it sends password-reset mails to accounts, checks reset " +
			"tokens, and sets new passwords with them, for example to onboard users or to rotate the password of " +
			"a technical account. The password-reset API needs no credentials, so neither does the provider.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Base URL of the CleverMaps REST API: `%s` for production or `%s` for "+
					"staging. Required here or in the `%s` environment variable; when both are set, this attribute wins. "+
					"There is no default, so that no configuration mails real people by accident: without either, "+
					"the plan fails before anything is sent (and validate too, when there is a provider block). Must be an `https://` URL (or `http://` on this machine's "+
					"loopback; see `allow_insecure_http`) without user name, password, query or fragment.",
					client.ProductionEndpoint, client.StagingEndpoint, EndpointEnvVar),
				Optional:   true,
				Validators: []validator.String{endpointValidator{}},
			},
			allowInsecureHTTPAttr: schema.BoolAttribute{
				MarkdownDescription: "Accept a plain `http://` endpoint on a host other than this machine's loopback " +
					"(`localhost`, `127.0.0.0/8`, `::1`). Without it such an endpoint is refused, because reset tokens " +
					"(in the URL) and new passwords (in the body) would cross the network unencrypted. Defaults to `false`.",
				Optional: true,
			},
			caCertPEMAttr: schema.StringAttribute{
				MarkdownDescription: "PEM text of one or more CA certificates to trust in addition to the system's, for networks " +
					"whose TLS-inspecting proxy signs with its own CA; for example `file(\"corporate-ca.pem\")`, or a value from " +
					"a secret store. Text between the certificates (comments) is ignored; anything else, such as a private key " +
					"or an incomplete block, is refused at validate time. Defaults to the `" + CACertPEMEnvVar + "` environment " +
					"variable, or else to none. Certificates are always verified, and TLS 1.2 is the oldest version accepted; " +
					"neither can be turned off. The system's certificates are those Go finds on this machine; on Linux, `SSL_CERT_FILE` " +
					"and `SSL_CERT_DIR` replace them.",
				Optional:   true,
				Validators: []validator.String{caCertPEMValidator{}},
			},
			"request_timeout_ms": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How long one request to the API may take, in milliseconds, from 1 to 600000, "+
					"counted from when it is sent: time spent waiting for its turn under `requests_per_second` or "+
					"`max_concurrent_requests` does not count. Each retry gets this time again. Defaults to %d.", client.DefaultTimeout.Milliseconds()),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 600_000)},
			},
			"retry": schema.SingleNestedAttribute{
				MarkdownDescription: "When and how failed requests are tried again. Checking a token is retried after " +
					"connection errors and after the answers 502, 503 and 504. Sending a mail or setting a password " +
					"is retried only when the server certainly did not act (the connection was refused, or it answered " +
					"503 with `Retry-After`), so that nobody gets a mail twice. A 429 answer (rate limiting) is not a " +
					"failure and uses up no retry: the request waits for the pause the server asks for and is sent again, " +
					"for as long as the operation's timeout allows. Unset attributes take their defaults.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"attempts": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("How many times a failed request is retried after the first try, as in the "+
							"`retry` block of the `hashicorp/http` provider: `0` disables retries, at most %d. Defaults to %d.", maxRetries, defaultRetries),
						Optional:   true,
						Validators: []validator.Int64{int64validator.Between(0, maxRetries)},
					},
					"min_delay_ms": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("How long to wait before the first retry, in milliseconds, from 0 to 3600000. "+
							"Later retries wait longer, up to `max_delay_ms`. Defaults to %d.", client.DefaultMinRetryWait.Milliseconds()),
						Optional:   true,
						Validators: []validator.Int64{int64validator.Between(0, 3_600_000)},
					},
					"max_delay_ms": schema.Int64Attribute{
						MarkdownDescription: fmt.Sprintf("The longest wait between tries, in milliseconds, from 0 to 3600000 and not "+
							"less than `min_delay_ms`. Also the longest pause the provider accepts when the server asks for one "+
							"with `Retry-After`. Defaults to %d.", client.DefaultMaxRetryWait.Milliseconds()),
						Optional: true,
						Validators: []validator.Int64{
							int64validator.Between(0, 3_600_000),
							int64validator.AtLeastSumOf(path.MatchRelative().AtParent().AtName("min_delay_ms")),
						},
					},
				},
			},
			"requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "The most requests per second that this provider block sends, shared by all its " +
					"resources, data sources and actions, from 0 to 100000. Unset or `0` (the default) means that the " +
					"provider finds the pace itself: it sends without a limit until the server answers 429, then slows " +
					"down to the rate the server accepts and speeds up again carefully. With or without a limit, when the " +
					"server answers 429 all requests wait for the pause it asks for.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.Between(0, 100_000)},
			},
			"burst": schema.Int64Attribute{
				MarkdownDescription: "How many requests may go out at once before `requests_per_second` paces them, " +
					"from 1 to 10000. Used only with `requests_per_second`. Defaults to 1.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 10_000)},
			},
			"max_concurrent_requests": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The most requests that this provider block has in flight at once, from 1 to 1024. "+
					"Defaults to %d.", client.DefaultMaxConcurrentRequests),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 1024)},
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
	// The block wins over the environment, as everywhere in Terraform.
	endpoint, source := os.Getenv(EndpointEnvVar), "the "+EndpointEnvVar+" environment variable"
	if !cfg.Endpoint.IsNull() {
		endpoint, source = cfg.Endpoint.ValueString(), "the provider configuration"
	}
	if endpoint == "" && cfg.Endpoint.IsNull() {
		addMissingEndpoint(&resp.Diagnostics)
		return
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

	caPEM, ok := caCertPEM(cfg.CACertPEM, &resp.Diagnostics)
	if !ok {
		return
	}

	ccfg := client.Config{
		Endpoint:  endpoint,
		UserAgent: p.userAgent(req.TerraformVersion),
		Logger:    tflogAdapter{},
		CACertPEM: caPEM,
	}
	if v := cfg.RequestTimeoutMs; !v.IsNull() && !v.IsUnknown() {
		ccfg.Timeout = time.Duration(v.ValueInt64()) * time.Millisecond
	}
	ccfg.MinRetryWait, ccfg.MaxRetryWait = client.DefaultMinRetryWait, client.DefaultMaxRetryWait
	if r := cfg.Retry; r != nil {
		if !r.Attempts.IsNull() && !r.Attempts.IsUnknown() {
			// retry.attempts counts retries (as hashicorp/http's does); the
			// client counts tries, the first included.
			ccfg.MaxAttempts = int(r.Attempts.ValueInt64()) + 1
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
	data := &configured{client: c, clock: p.clock, batchTimeout: p.batchTimeout}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
}

// addMissingEndpoint reports that neither the provider block nor the
// environment names an endpoint. There is no default: the API needs no
// credentials, so a default of production would let any copied
// configuration mail real people.
func addMissingEndpoint(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("endpoint"), "No CleverMaps endpoint",
		fmt.Sprintf("The provider has no default endpoint, so that no configuration mails real people by accident. "+
			"Set endpoint in the provider block, or the %s environment variable, to the API to use: %s for staging, "+
			"or %s for production. Nothing was sent.", EndpointEnvVar, client.StagingEndpoint, client.ProductionEndpoint))
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

// Functions are the provider-defined functions (Terraform 1.8+, OpenTofu
// 1.7+). They need no configuration: older CLIs simply never call them.
func (p *clevermapsProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		newEmailKeyFunction,
		newIsEmailFunction,
	}
}

// configuredFrom returns what Configure handed a type, or nil before the
// provider is configured (validation).
func configuredFrom(data any, diags interface{ AddError(string, string) }) *configured {
	if data == nil {
		return nil
	}
	c, ok := data.(*configured)
	if !ok {
		diags.AddError("Provider not configured as expected",
			"The provider handed this type data it does not recognise. This is a bug in the provider; please report it.")
		return nil
	}
	return c
}

// clientFrom returns the API client Configure handed a type, or nil.
func clientFrom(data any, diags interface{ AddError(string, string) }) *client.Client {
	if c := configuredFrom(data, diags); c != nil {
		return c.client
	}
	return nil
}
