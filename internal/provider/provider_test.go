package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

// testAccProtoV6ProviderFactories runs the provider in-process for
// terraform-plugin-testing, which drives a real CLI (TF_ACC_TERRAFORM_PATH,
// set by the Makefile to a tofu or terraform built from source).
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"clevermaps": func() (tfprotov6.ProviderServer, error) { return NewProtocol6Server("test")(), nil },
}

// testClock is a provider clock that a test moves forward, so that
// resend_after can lapse without waiting.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// providerFactoriesWith is testAccProtoV6ProviderFactories with changes to
// the provider: another clock or timeout rule.
func providerFactoriesWith(change func(*clevermapsProvider)) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"clevermaps": func() (tfprotov6.ProviderServer, error) {
			p := newProvider("test")
			change(p)
			return newProtocol6Server(p), nil
		},
	}
}

// providerFactoriesWithClock runs the provider on clock.
func providerFactoriesWithClock(clock *testClock) map[string]func() (tfprotov6.ProviderServer, error) {
	return providerFactoriesWith(func(p *clevermapsProvider) { p.clock = clock.now })
}

// testAccPreCheck fails fast with a clear message when the acceptance
// environment is incomplete, instead of letting plugin-testing pick up
// whatever terraform happens to be on PATH.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must point at the CLI to test with; run the acceptance tests through `make testacc`")
	}
}

// Seed accounts of the stand-in API used across tests.
const (
	adaEmail   = "ada@example.com"
	graceEmail = "grace@example.com"
)

func testAccounts() []standin.Account {
	consent := true
	return []standin.Account{
		{
			ID: "acc-ada", FullName: "Ada Lovelace", Email: adaEmail, Status: "ENABLED",
			ConsentGranted: &consent, PhoneNumber: "+44 20 7946 0000",
			Preferences: &standin.Preferences{Language: "en", LastActiveProject: "p7w2n5c8d1f4g6hj", LastActiveOrganization: "o2b6e9k1m3s5u7wy", SendNewsletter: &consent},
			Onboarding:  &standin.Onboarding{IntroShown: []string{"welcome"}, TipsShown: []string{"map", "filters"}},
		},
		{ID: "acc-grace", FullName: "Grace Hopper", Email: graceEmail, Status: "ENABLED"},
	}
}

// newTestAPI starts a fresh stand-in of the CleverMaps API for one test.
func newTestAPI(t *testing.T) *standin.Server {
	t.Helper()
	// A tenant policy of at least 8 characters (the contract sets no
	// minimum), so that tests can see the server refuse a password that
	// plan-time validation (1 to 100) lets through.
	api := standin.NewServer(standin.Config{
		Accounts: testAccounts(), PasswordMinLength: 8,
		// Every answer the provider gets is checked against the API
		// contract, whether or not the test looks at it.
		WrapHandler: func(h http.Handler) http.Handler {
			return standintest.Handler(h, func(err error) { t.Errorf("stand-in answer outside the contract: %v", err) })
		},
	})
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("starting the stand-in API: %v", err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return api
}

// apiHost is the host (with port) of api's endpoint, as diagnostics name it.
func apiHost(api *standin.Server) string {
	u, err := url.Parse(api.URL())
	if err != nil {
		panic(err)
	}
	return u.Host
}

// unusedEndpoint is a loopback endpoint for provider instances that only
// serve schemas and validation; nothing is ever sent to it.
const unusedEndpoint = "http://127.0.0.1:9/rest"

// providerBlock configures the provider against api with fast retries, so
// that fault tests do not sleep for the production defaults: two retries,
// three tries in all.
func providerBlock(api *standin.Server) string {
	return fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  retry = {
    attempts     = 2
    min_delay_ms = 10
    max_delay_ms = 100
  }
}
`, api.URL())
}

// expectRequests is a state check asserting how many requests the stand-in
// API received for an endpoint so far.
type expectRequests struct {
	api  *standin.Server
	ep   standin.Endpoint
	want int
}

func (e expectRequests) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if got := e.api.Count(e.ep); got != e.want {
		resp.Error = fmt.Errorf("the API received %d %s request(s), want %d", got, e.ep, e.want)
	}
}

// expectSomeRequests asserts that the stand-in API received at least one
// request for an endpoint (ephemeral resources are opened a CLI-dependent
// number of times, so an exact count would test the CLI, not the provider).
type expectSomeRequests struct {
	api *standin.Server
	ep  standin.Endpoint
}

func (e expectSomeRequests) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if e.api.Count(e.ep) == 0 {
		resp.Error = fmt.Errorf("the API received no %s request", e.ep)
	}
}

// finishResetDirectly finishes a reset for adaEmail with token through the
// API client, outside Terraform, and fails the test unless it succeeds and
// sets the password. Tests use it to prove that a token is still usable.
func finishResetDirectly(t *testing.T, api *standin.Server, token, password string) {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: api.URL(), UserAgent: "terraform-provider-clevermaps/test", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.FinishPasswordReset(t.Context(), token, client.FinishResetRequest{NewPassword: password}); err != nil {
		t.Fatalf("the token no longer finishes a reset: %v", err)
	}
	if a, _ := api.Account(adaEmail); a.Password != password {
		t.Fatalf("after the reset the password is %q, want %q", a.Password, password)
	}
}

// checkRequestTotal returns a destroy check asserting that the API saw
// exactly total requests, i.e. that destroying sent nothing.
func checkRequestTotal(api *standin.Server, total int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := len(api.Journal()); got != total {
			return fmt.Errorf("the API received %d request(s) in total, want %d", got, total)
		}
		return nil
	}
}

func TestAccProvider_invalidEndpoint(t *testing.T) {
	api := newTestAPI(t)
	for name, endpoint := range map[string]string{
		"no scheme":          "secure.clevermaps.io/rest",
		"unsupported scheme": "ftp://secure.clevermaps.io/rest",
		"userinfo":           "https://user:pass@secure.clevermaps.io/rest",
		"query":              "https://secure.clevermaps.io/rest?x=1",
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
}
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, endpoint, adaEmail),
					ExpectError: regexp.MustCompile(`(?s)Invalid CleverMaps endpoint.*endpoint`),
				}},
			})
		})
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

func TestAccProvider_endpointFromEnvironment(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv(EndpointEnvVar, api.URL())
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, adaEmail),
			ConfigStateChecks: []statecheck.StateCheck{
				expectRequests{api, standin.EndpointRequestReset, 1},
			},
		}},
	})
}

func TestAccProvider_invalidEndpointFromEnvironment(t *testing.T) {
	t.Setenv(EndpointEnvVar, "localhost:8080/rest")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, adaEmail),
			ExpectError: regexp.MustCompile(`(?s)Invalid CleverMaps endpoint.*CLEVERMAPS_ENDPOINT`),
		}},
	})
}

func TestAccProvider_invertedRetrySettings(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  retry = {
    min_delay_ms = 5000
    max_delay_ms = 100
  }
}
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, api.URL(), adaEmail),
				ExpectError: regexp.MustCompile(`retry.max_delay_ms`),
			},
			{
				Config: fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  retry = {
    attempts = -1
  }
}
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, api.URL(), adaEmail),
				ExpectError: regexp.MustCompile(`retry.attempts`),
			},
		},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

// TestProvider_retryAttemptsCountsRetries checks that retry.attempts counts
// retries after the first try, as hashicorp/http's does: against a token
// check that always fails with 503, attempts = N sends N+1 requests, 0 sends
// one, and leaving it out sends the default three retries after the first.
func TestProvider_retryAttemptsCountsRetries(t *testing.T) {
	for _, tc := range []struct {
		attempts any // nil leaves it unset
		want     int
	}{{0, 1}, {2, 3}, {nil, defaultRetries + 1}} {
		t.Run(fmt.Sprintf("attempts=%v", tc.attempts), func(t *testing.T) {
			api := newTestAPI(t)
			api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Status: http.StatusServiceUnavailable})
			retryType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
				"attempts": tftypes.Number, "min_delay_ms": tftypes.Number, "max_delay_ms": tftypes.Number,
			}}
			ps := newProtocolServer(t, map[string]tftypes.Value{
				"endpoint": str(api.URL()),
				"retry": tftypes.NewValue(retryType, map[string]tftypes.Value{
					"attempts":     tftypes.NewValue(tftypes.Number, tc.attempts),
					"min_delay_ms": tftypes.NewValue(tftypes.Number, 1),
					"max_delay_ms": tftypes.NewValue(tftypes.Number, 5),
				}),
			})
			resp := ps.readResetToken(t, map[string]tftypes.Value{"token": str("tok-1")})
			if !hasErrors(resp.Diagnostics) {
				t.Errorf("a token check that always got 503 did not fail")
			}
			if got := api.Count(standin.EndpointVerifyToken); got != tc.want {
				t.Errorf("the API received %d request(s), want %d", got, tc.want)
			}
		})
	}
}

// closedEndpoint returns an endpoint on a loopback port that nothing listens
// on: a request there is refused, never delivered.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr + "/rest"
}

// expectMissingEndpoint checks for the error of a configuration that names
// no endpoint: at the attribute, naming both official endpoints and the
// environment variable.
func expectMissingEndpoint(t *testing.T, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	expectAttrError(t, diags, "endpoint", "")
	text := diagText(diags)
	for _, want := range []string{"No CleverMaps endpoint", client.ProductionEndpoint, client.StagingEndpoint, EndpointEnvVar} {
		if !strings.Contains(text, want) {
			t.Errorf("the diagnostics do not name %q:\n%s", want, text)
		}
	}
}

// TestProvider_endpointRequired checks that the endpoint has no default:
// validation fails when neither the provider block nor CLEVERMAPS_ENDPOINT
// names one (and only then), and so does Configure, which also sees a
// configuration the CLI did not validate.
func TestProvider_endpointRequired(t *testing.T) {
	t.Setenv(EndpointEnvVar, "")
	ps := newUnconfiguredServer(t)
	validate := func(attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic { return ps.validateProvider(t, attrs) }

	expectMissingEndpoint(t, validate(nil))
	expectMissingEndpoint(t, validate(map[string]tftypes.Value{"request_timeout_ms": tftypes.NewValue(tftypes.Number, 1000)}))
	// A value from a variable is unknown at validate time: Configure judges it.
	if diags := validate(map[string]tftypes.Value{"endpoint": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}); len(diags) != 0 {
		t.Errorf("an unknown endpoint was refused at validate time:\n%s", diagText(diags))
	}
	resp, err := ps.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{Config: dynamicValue(t, ps.providerType, nil)})
	if err != nil {
		t.Fatal(err)
	}
	expectMissingEndpoint(t, resp.Diagnostics)

	t.Setenv(EndpointEnvVar, unusedEndpoint)
	if diags := validate(nil); len(diags) != 0 {
		t.Errorf("with %s set, validation failed:\n%s", EndpointEnvVar, diagText(diags))
	}
}

// TestProvider_endpointPrecedence checks which endpoint the calls go to: the
// provider block's when both are set, as everywhere in Terraform, and
// CLEVERMAPS_ENDPOINT's when the block names none.
func TestProvider_endpointPrecedence(t *testing.T) {
	api := newTestAPI(t)
	read := func(ps *protocolServer) {
		t.Helper()
		resp := ps.readResetToken(t, map[string]tftypes.Value{"token": str("tok-precedence")})
		if hasErrors(resp.Diagnostics) {
			t.Errorf("reading the token failed:\n%s", diagText(resp.Diagnostics))
		}
	}

	t.Setenv(EndpointEnvVar, closedEndpoint(t))
	read(newProtocolServer(t, endpointAttrs(api)))
	if n := api.Count(standin.EndpointVerifyToken); n != 1 {
		t.Errorf("with both set, the stand-in named in the block got %d request(s), want 1", n)
	}

	t.Setenv(EndpointEnvVar, api.URL())
	read(newProtocolServer(t, nil))
	if n := api.Count(standin.EndpointVerifyToken); n != 2 {
		t.Errorf("with only %s set, the stand-in it names got %d request(s) in all, want 2", EndpointEnvVar, n)
	}
}

// TestAccProvider_noEndpoint runs a configuration that names no endpoint
// through the CLI: with CLEVERMAPS_ENDPOINT unset, plan fails before any
// request, whether the provider block is missing (the CLI then skips
// provider validation, and Configure refuses it) or present without
// endpoint (validation refuses it).
func TestAccProvider_noEndpoint(t *testing.T) {
	t.Setenv(EndpointEnvVar, "")
	resourceBlock := fmt.Sprintf("resource \"clevermaps_password_reset_request\" \"test\" {\n  email = %q\n}\n", adaEmail)
	want := regexp.MustCompile(`(?s)No CleverMaps endpoint.*` + regexp.QuoteMeta(client.StagingEndpoint) + `.*` + regexp.QuoteMeta(client.ProductionEndpoint))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: resourceBlock, ExpectError: want},
			{Config: "provider \"clevermaps\" {\n  request_timeout_ms = 1000\n}\n" + resourceBlock, ExpectError: want},
		},
	})
}

// TestAccProvider_blockWinsOverEnvironment: with CLEVERMAPS_ENDPOINT naming
// a closed port and the provider block the stand-in, the mail goes through
// the stand-in.
func TestAccProvider_blockWinsOverEnvironment(t *testing.T) {
	api := newTestAPI(t)
	t.Setenv(EndpointEnvVar, closedEndpoint(t))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(api) + fmt.Sprintf("resource \"clevermaps_password_reset_request\" \"test\" {\n  email = %q\n}\n", adaEmail),
			ConfigStateChecks: []statecheck.StateCheck{
				expectRequests{api, standin.EndpointRequestReset, 1},
			},
		}},
	})
}
