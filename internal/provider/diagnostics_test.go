package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/testca"
)

// TestRateLimitedDiagnostic checks that a call the API kept refusing with 429
// until its deadline is reported as rate limiting for every operation, even
// when the deadline's own error is in the chain (as when the wait for the
// next try is cut short by it): the provider recognises it by
// client.ErrRateLimited, and does not send people to request_timeout_ms,
// which does not count the waiting.
func TestRateLimitedDiagnostic(t *testing.T) {
	for name, cause := range map[string]error{
		"deadline predicted": fmt.Errorf("the request was not sent"),
		"deadline reached":   fmt.Errorf("the request was not sent: %w", context.DeadlineExceeded),
	} {
		t.Run(name, func(t *testing.T) {
			rateLimited := &client.TransportError{Op: client.OpVerifyToken, Err: &client.RateLimitedError{Answers429: 7, Cause: cause}}
			var diags diag.Diagnostics
			verifyTokenDiagnostic(&diags, path.Root("token"), "api.example.com", rateLimited)
			requestResetDiagnostic(&diags, path.Root("email"), "api.example.com", "ada@example.com",
				&client.NotSentError{Op: client.OpRequestReset, Cause: rateLimited})
			if len(diags) != 2 {
				t.Fatalf("got %d diagnostics, want 2: %v", len(diags), diags)
			}
			for _, d := range diags {
				if d.Summary() != "CleverMaps API is rate limiting" {
					t.Errorf("summary %q, want the rate-limiting one", d.Summary())
				}
				for _, want := range []string{"api.example.com", "429 Too Many Requests 7 times", "requests_per_second", "timeouts", "chunks"} {
					if !strings.Contains(d.Detail(), want) {
						t.Errorf("detail %q does not say %q", d.Detail(), want)
					}
				}
				if strings.Contains(d.Detail(), "raise request_timeout_ms") || strings.Contains(d.Detail(), "timed out") {
					t.Errorf("detail %q blames the request timeout", d.Detail())
				}
			}
		})
	}

	// Another status is not rate limiting.
	var other diag.Diagnostics
	verifyTokenDiagnostic(&other, path.Root("token"), "api.example.com", &client.APIError{Op: client.OpVerifyToken, StatusCode: http.StatusServiceUnavailable, Attempts: 4})
	if len(other) != 1 || other[0].Summary() == "CleverMaps API is rate limiting" {
		t.Errorf("a 503 was reported as %v", other)
	}

	// Cancellation stays what it is.
	var cancelled diag.Diagnostics
	verifyTokenDiagnostic(&cancelled, path.Root("token"), "api.example.com", fmt.Errorf("x: %w", context.Canceled))
	if len(cancelled) != 1 || cancelled[0].Summary() != "CleverMaps API call cancelled" {
		t.Errorf("a cancellation was reported as %v", cancelled)
	}
}

// Tokens and passwords of the diagnostics catalogue: no diagnostic may
// repeat them.
const (
	catalogueToken    = "tok-CATALOGUE-5e1f0a"
	cataloguePassword = "catalogue-Password-77x"
)

// failureClass is one way an API call fails, set up for real: a fault the
// stand-in injects on the endpoint the call uses, or an endpoint that fails
// on its own (a name that does not resolve, a closed port, a certificate
// nobody trusts).
type failureClass struct {
	name string
	// fault is injected on the stand-in's endpoint of the call.
	fault *standin.Fault
	// endpoint, when set, replaces the stand-in: it returns the endpoint to
	// configure.
	endpoint func(t *testing.T) string
	// provider holds provider attributes beyond endpoint and fast retries.
	provider map[string]tftypes.Value
	// deadline ends the operation's context after this long; cancelAfter
	// cancels it.
	deadline, cancelAfter time.Duration
	// want is a phrase the call's diagnostics must contain, showing that
	// the failure was told apart; byEndpoint overrides it for one endpoint,
	// where "" means the call reports nothing (an unknown token is not an
	// error).
	want       string
	byEndpoint map[standin.Endpoint]string
}

// failureClasses are every failure the provider tells apart.
func failureClasses() []failureClass {
	number := func(n float64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	fault := func(f standin.Fault) *standin.Fault { return &f }
	return []failureClass{
		{name: "500", fault: fault(standin.Fault{Status: 500}), want: "failed while handling the request"},
		{name: "502", fault: fault(standin.Fault{Status: 502}), want: "gateway in front of the API"},
		{name: "503", fault: fault(standin.Fault{Status: 503}), want: "temporarily unavailable"},
		{name: "503 with Retry-After", fault: fault(standin.Fault{Status: 503, RetryAfter: "0"}), want: "temporarily unavailable"},
		{name: "504", fault: fault(standin.Fault{Status: 504}), want: "gateway in front of the API"},
		{name: "400", fault: fault(standin.Fault{Status: 400, Body: `{"status":400,"message":"Request is not valid"}`}),
			want: "refusing the request as invalid", byEndpoint: map[standin.Endpoint]string{standin.EndpointFinishReset: "rejected the new password"}},
		{name: "401", fault: fault(standin.Fault{Status: 401}), want: "needs no credentials"},
		{name: "403 page", fault: fault(standin.Fault{Status: 403, Body: signInPage, ContentType: "text/html"}), want: "needs no credentials"},
		{name: "404", fault: fault(standin.Fault{Status: 404}), byEndpoint: map[standin.Endpoint]string{
			standin.EndpointVerifyToken:  "",
			standin.EndpointRequestReset: "o CleverMaps account", // "has no CleverMaps account", or "No CleverMaps account has" in a list
			standin.EndpointFinishReset:  "does not accept this reset token",
		}},
		{name: "sign-in page with 200", fault: fault(standin.Fault{Status: 200, Body: signInPage, ContentType: "text/html"}), want: "most likely not the CleverMaps API"},
		{name: "malformed JSON with 200", fault: fault(standin.Fault{Status: 200, Body: `{"id":"acc-ada","email":`}),
			want: "most likely not the CleverMaps API", byEndpoint: map[standin.Endpoint]string{standin.EndpointVerifyToken: "it is not valid JSON"}},
		{name: "redirect", fault: fault(standin.Fault{RedirectTo: "http://127.0.0.2:1/elsewhere"}), want: "a redirect"},
		{name: "oversized body", fault: fault(standin.Fault{OversizeBody: 2 << 20}), want: "larger than"},
		{name: "dropped connection", fault: fault(standin.Fault{Drop: true}), want: "connection was closed"},
		{name: "dropped connection after acting", fault: fault(standin.Fault{Drop: true, AfterAction: true}),
			want: "connection was closed", byEndpoint: map[standin.Endpoint]string{standin.EndpointFinishReset: "most likely set the new password"}},
		{name: "request timeout", fault: fault(standin.Fault{Delay: 3 * time.Second}),
			provider: map[string]tftypes.Value{"request_timeout_ms": number(100)}, want: "within the request timeout of 100ms"},
		{name: "operation deadline", fault: fault(standin.Fault{Delay: 3 * time.Second}), deadline: 300 * time.Millisecond, want: "time ran out"},
		{name: "cancelled", fault: fault(standin.Fault{Delay: 3 * time.Second}), cancelAfter: 200 * time.Millisecond, want: "cancelled"},
		{name: "429 until the deadline", fault: fault(standin.Fault{Status: 429, RetryAfter: "1"}), deadline: 600 * time.Millisecond, want: "rate limiting"},
		{name: "own request rate", fault: fault(standin.Fault{Status: 503, RetryAfter: "0", Times: 1}), deadline: 600 * time.Millisecond,
			provider: map[string]tftypes.Value{"requests_per_second": number(0.001)}, want: "configured request rate"},
		{name: "host name not found", want: "could not be found", endpoint: func(*testing.T) string {
			// A label over 63 characters is no DNS name, so Go's resolver
			// fails it without asking any name server.
			return "https://" + strings.Repeat("x", 64) + ".invalid/rest"
		}},
		{name: "connection refused", want: "refused the connection", endpoint: closedEndpoint},
		{name: "unknown certificate authority", want: "does not trust", endpoint: func(t *testing.T) string {
			_, url := newTLSTestAPI(t, testca.New(t))
			return url
		}},
		{name: "plain HTTP server at an https endpoint", want: "answers in plain HTTP", endpoint: func(t *testing.T) string {
			return strings.Replace(newTestAPI(t).URL(), "http://", "https://", 1)
		}},
	}
}

// catalogueDriver runs one Terraform type through the protocol, as core
// would, and returns every diagnostic it reported.
type catalogueDriver struct {
	name     string
	endpoint standin.Endpoint // the API endpoint the type calls
	run      func(ctx context.Context, t *testing.T, ps *protocolServer) []*tfprotov6.Diagnostic
}

func catalogueDrivers() []catalogueDriver {
	tokenAttrs := map[string]tftypes.Value{"token": str(catalogueToken)}
	resetAttrs := map[string]tftypes.Value{"token": str(catalogueToken), "new_password": str(cataloguePassword)}
	action := func(name string, attrs map[string]tftypes.Value) func(context.Context, *testing.T, *protocolServer) []*tfprotov6.Diagnostic {
		return func(ctx context.Context, t *testing.T, ps *protocolServer) []*tfprotov6.Diagnostic {
			return ps.runActionContext(ctx, t, name, attrs).diagnostics
		}
	}
	return []catalogueDriver{
		{name: "data source", endpoint: standin.EndpointVerifyToken,
			run: func(ctx context.Context, t *testing.T, ps *protocolServer) []*tfprotov6.Diagnostic {
				resp, err := ps.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
					TypeName: "clevermaps_reset_token", Config: dynamicValue(t, ps.dataSourceTypes["clevermaps_reset_token"], tokenAttrs),
				})
				if err != nil {
					t.Fatal(err)
				}
				return resp.Diagnostics
			}},
		{name: "ephemeral resource", endpoint: standin.EndpointVerifyToken,
			run: func(ctx context.Context, t *testing.T, ps *protocolServer) []*tfprotov6.Diagnostic {
				resp, err := ps.OpenEphemeralResource(ctx, &tfprotov6.OpenEphemeralResourceRequest{
					TypeName: "clevermaps_reset_token", Config: dynamicValue(t, ps.ephemeralTypes["clevermaps_reset_token"], tokenAttrs),
				})
				if err != nil {
					t.Fatal(err)
				}
				return resp.Diagnostics
			}},
		{name: "password_reset_request", endpoint: standin.EndpointRequestReset,
			run: createResource("clevermaps_password_reset_request", map[string]tftypes.Value{"email": str(adaEmail)})},
		{name: "password_reset", endpoint: standin.EndpointFinishReset,
			run: createResource("clevermaps_password_reset", resetAttrs)},
		{name: "password_reset_requests", endpoint: standin.EndpointRequestReset,
			run: createResource("clevermaps_password_reset_requests", map[string]tftypes.Value{"emails": emailList(adaEmail, graceEmail)})},
		{name: "send action, email", endpoint: standin.EndpointRequestReset,
			run: action("clevermaps_send_password_reset", map[string]tftypes.Value{"email": str(adaEmail)})},
		{name: "send action, emails", endpoint: standin.EndpointRequestReset,
			run: action("clevermaps_send_password_reset", map[string]tftypes.Value{"emails": emailList(adaEmail, graceEmail)})},
		{name: "reset action", endpoint: standin.EndpointFinishReset,
			run: action("clevermaps_reset_password", resetAttrs)},
	}
}

// createResource plans and applies the creation of a resource as core
// would, and returns the diagnostics of both steps.
func createResource(typeName string, attrs map[string]tftypes.Value) func(context.Context, *testing.T, *protocolServer) []*tfprotov6.Diagnostic {
	return func(ctx context.Context, t *testing.T, ps *protocolServer) []*tfprotov6.Diagnostic {
		typ := ps.resourceTypes[typeName]
		config := dynamicValue(t, typ, attrs)
		null, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := ps.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: typeName, PriorState: &null, ProposedNewState: config, Config: config,
		})
		if err != nil {
			t.Fatal(err)
		}
		if hasErrors(plan.Diagnostics) {
			return plan.Diagnostics
		}
		apply, err := ps.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: typeName, PriorState: &null, PlannedState: plan.PlannedState, Config: config, PlannedPrivate: plan.PlannedPrivate,
		})
		if err != nil {
			t.Fatal(err)
		}
		return append(plan.Diagnostics, apply.Diagnostics...)
	}
}

// TestDiagnosticsCatalogue drives every failure class through every type
// that calls the API (the data source, the ephemeral resource, the three
// resources and both actions) over the plugin protocol, against the
// stand-in or a server that fails on its own, and checks every diagnostic
// that comes back: it names the endpoint's host and an attribute, tells the
// failure apart (a phrase per class), and holds no Go type name, no
// formatting slip, no backtick (the CLI prints them as they are), no
// library name or raw Go error text, and no token or password. Run it with
// -v to read the whole catalogue.
func TestDiagnosticsCatalogue(t *testing.T) {
	t.Setenv(EndpointEnvVar, "")
	goName := regexp.MustCompile(`\*?\b[a-z][a-z0-9]*\.[A-Z][A-Za-z0-9]+`)
	forbidden := []string{
		"%!", "`", "<nil>", "retryablehttp", "cleanhttp", "tflog", "tftypes", "tfprotov", "terraform-plugin",
		"net/http", "crypto/", "x509:", "tls:", "http: ", "dial tcp", "context deadline exceeded", "context canceled",
		"Go struct", "EOF", "answer was lost", "no action is needed", catalogueToken, cataloguePassword,
	}
	catalogue := map[string]bool{}
	for _, fc := range failureClasses() {
		for _, dr := range catalogueDrivers() {
			t.Run(fc.name+"/"+dr.name, func(t *testing.T) {
				endpoint := ""
				if fc.endpoint != nil {
					endpoint = fc.endpoint(t)
				} else {
					api := newTestAPI(t)
					if err := api.IssueToken(adaEmail, catalogueToken); err != nil {
						t.Fatal(err)
					}
					api.InjectFault(dr.endpoint, *fc.fault)
					endpoint = api.URL()
				}
				u, err := url.Parse(endpoint)
				if err != nil {
					t.Fatal(err)
				}
				retryType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
					"attempts": tftypes.Number, "min_delay_ms": tftypes.Number, "max_delay_ms": tftypes.Number,
				}}
				attrs := map[string]tftypes.Value{
					"endpoint": str(endpoint),
					"retry": tftypes.NewValue(retryType, map[string]tftypes.Value{
						"attempts":     tftypes.NewValue(tftypes.Number, 1),
						"min_delay_ms": tftypes.NewValue(tftypes.Number, 1),
						"max_delay_ms": tftypes.NewValue(tftypes.Number, 20),
					}),
				}
				maps.Copy(attrs, fc.provider)
				ps := newProtocolServer(t, attrs)

				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if fc.deadline > 0 {
					ctx, cancel = context.WithTimeout(ctx, fc.deadline)
					defer cancel()
				}
				if fc.cancelAfter > 0 {
					time.AfterFunc(fc.cancelAfter, cancel)
				}
				diags := dr.run(ctx, t, ps)
				text := diagText(diags)

				want, ok := fc.byEndpoint[dr.endpoint]
				if !ok {
					want = fc.want
				}
				if want == "" {
					if len(diags) != 0 {
						t.Errorf("want no diagnostics, got:\n%s", text)
					}
					return
				}
				if len(diags) == 0 || !strings.Contains(text, want) {
					t.Errorf("the diagnostics do not say %q:\n%s", want, text)
				}
				for _, d := range diags {
					catalogue[d.Severity.String()+": "+d.Summary+": "+d.Detail] = true
					all := d.Summary + "\n" + d.Detail
					if m := goName.FindString(all); m != "" {
						t.Errorf("a diagnostic holds the Go name %q:\n%s", m, all)
					}
					for _, f := range forbidden {
						if strings.Contains(all, f) {
							t.Errorf("a diagnostic holds %q:\n%s", f, all)
						}
					}
					if !strings.Contains(d.Detail, u.Host) {
						t.Errorf("a diagnostic does not name the host %s:\n%s", u.Host, all)
					}
					if d.Attribute == nil {
						t.Errorf("a diagnostic names no attribute:\n%s", all)
					}
				}
			})
		}
	}
	entries := slices.Sorted(maps.Keys(catalogue))
	t.Logf("%d distinct diagnostics:\n\n%s", len(entries), strings.Join(entries, "\n\n"))
}
