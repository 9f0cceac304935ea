package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/testca"
)

// caTestToken is a distinctive token for the CA tests.
const caTestToken = "tok-CA-SECRET-41b7"

// newTLSTestAPI serves a fresh stand-in (with the seed accounts, a token
// issued for ada, and the contract check of newTestAPI) over HTTPS on a
// certificate that only ca's certificate makes trusted, as behind a
// TLS-inspecting proxy. It returns the stand-in and its base URL.
func newTLSTestAPI(t *testing.T, ca *testca.CA) (*standin.Server, string) {
	t.Helper()
	api := standin.NewServer(standin.Config{Accounts: testAccounts()})
	if err := api.IssueToken(adaEmail, caTestToken); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(standintest.Handler(api, func(err error) {
		t.Errorf("stand-in answer outside the contract: %v", err)
	}))
	srv.TLS = ca.ServerTLSConfig()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // Refused handshakes are expected.
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return api, srv.URL + standin.APIPrefix
}

// garbagePEMs are values of ca_cert_pem that hold no usable certificate.
func garbagePEMs(t *testing.T, ca *testca.CA) map[string]string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"empty":       "",
		"not PEM":     "corporate-ca.pem",
		"private key": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
		"cut off":     string(ca.CertPEM[:len(ca.CertPEM)-30]),
	}
}

// TestValidateConfig_caCertPEM drives ValidateProviderConfig as the CLI's
// validate does: PEM text without a usable certificate is refused there, with
// the attribute path and without echoing the text, before any client exists.
func TestValidateConfig_caCertPEM(t *testing.T) {
	ca := testca.New(t)
	// Nothing is configured before validation.
	ps := newUnconfiguredServer(t)
	validate := func(attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic { return ps.validateProvider(t, attrs) }

	for name, value := range map[string]tftypes.Value{
		"certificate": str(string(ca.CertPEM)),
		"null":        tftypes.NewValue(tftypes.String, nil),
		"unknown":     tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	} {
		if diags := validate(map[string]tftypes.Value{"endpoint": str(unusedEndpoint), caCertPEMAttr: value}); hasErrors(diags) {
			t.Errorf("%s: refused: %s", name, diagText(diags))
		}
	}
	for name, value := range garbagePEMs(t, ca) {
		diags := validate(map[string]tftypes.Value{"endpoint": str(unusedEndpoint), caCertPEMAttr: str(value)})
		text := diagText(diags)
		if !hasErrors(diags) {
			t.Errorf("%s: accepted", name)
			continue
		}
		if d := diags[0]; d.Attribute == nil || !strings.Contains(d.Attribute.String(), caCertPEMAttr) || !strings.Contains(text, "Invalid CA certificates") {
			t.Errorf("%s: the diagnostic does not name the attribute and the problem: %s", name, text)
		}
		if len(value) > 40 && strings.Contains(text, value[30:len(value)-30]) {
			t.Errorf("%s: the diagnostic echoes the value: %s", name, text)
		}
	}
}

// TestProvider_caCertPEM reads a token through the provider from an API
// whose certificate a CA of the test signed: without that CA the read fails
// with a diagnostic that names ca_cert_pem and shows no token; with it, from
// the configuration or from CLEVERMAPS_CA_CERT_PEM, the read succeeds.
func TestProvider_caCertPEM(t *testing.T) {
	ca := testca.New(t)
	api, endpoint := newTLSTestAPI(t, ca)
	read := func(t *testing.T, attrs map[string]tftypes.Value) *tfprotov6.ReadDataSourceResponse {
		t.Helper()
		attrs["endpoint"] = str(endpoint)
		ps := newProtocolServer(t, attrs)
		return ps.readResetToken(t, map[string]tftypes.Value{"token": str(caTestToken)})
	}

	t.Run("not trusted", func(t *testing.T) {
		t.Setenv(CACertPEMEnvVar, "")
		// No retries: a refused certificate is refused again.
		retryType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"attempts": tftypes.Number, "min_delay_ms": tftypes.Number, "max_delay_ms": tftypes.Number,
		}}
		resp := read(t, map[string]tftypes.Value{"retry": tftypes.NewValue(retryType, map[string]tftypes.Value{
			"attempts":     tftypes.NewValue(tftypes.Number, 0),
			"min_delay_ms": tftypes.NewValue(tftypes.Number, nil),
			"max_delay_ms": tftypes.NewValue(tftypes.Number, nil),
		})})
		text := diagText(resp.Diagnostics)
		if !hasErrors(resp.Diagnostics) || !strings.Contains(text, "certificate not trusted") || !strings.Contains(text, caCertPEMAttr) {
			t.Errorf("want a diagnostic about the untrusted certificate that names %s, got: %s", caCertPEMAttr, text)
		}
		if strings.Contains(text, caTestToken) {
			t.Errorf("the diagnostic shows the token: %s", text)
		}
		if n := len(api.Journal()); n != 0 {
			t.Errorf("the API received %d request(s) over an unverified connection", n)
		}
	})
	t.Run("from the configuration", func(t *testing.T) {
		resp := read(t, map[string]tftypes.Value{caCertPEMAttr: str(string(ca.CertPEM))})
		if hasErrors(resp.Diagnostics) {
			t.Fatalf("read failed: %s", diagText(resp.Diagnostics))
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		t.Setenv(CACertPEMEnvVar, string(ca.CertPEM))
		resp := read(t, map[string]tftypes.Value{})
		if hasErrors(resp.Diagnostics) {
			t.Fatalf("read failed: %s", diagText(resp.Diagnostics))
		}
	})
	if n := api.Count(standin.EndpointVerifyToken); n != 2 {
		t.Errorf("the API received %d token check(s), want 2", n)
	}
}

// TestProvider_caCertPEMInvalidFromEnvironment: the environment variable is
// not visible at validate time, so Configure checks it, names it and the
// attribute, and leaves no client that could send anything.
func TestProvider_caCertPEMInvalidFromEnvironment(t *testing.T) {
	t.Setenv(CACertPEMEnvVar, "not a certificate")
	ps := newUnconfiguredServer(t)
	resp, err := ps.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{
		Config: dynamicValue(t, ps.providerType, map[string]tftypes.Value{"endpoint": str("https://127.0.0.1:1/rest")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	text := diagText(resp.Diagnostics)
	if !hasErrors(resp.Diagnostics) || !strings.Contains(text, CACertPEMEnvVar) ||
		resp.Diagnostics[0].Attribute == nil || !strings.Contains(resp.Diagnostics[0].Attribute.String(), caCertPEMAttr) {
		t.Errorf("want an error on %s that names %s, got: %s", caCertPEMAttr, CACertPEMEnvVar, text)
	}
}

// TestAccProvider_caCertPEM runs a real CLI against the HTTPS stand-in with
// the CA read by file(), as the documentation shows, and with garbage, which
// fails validation with the attribute path and sends nothing.
func TestAccProvider_caCertPEM(t *testing.T) {
	ca := testca.New(t)
	api, endpoint := newTLSTestAPI(t, ca)
	caFile := filepath.Join(t.TempDir(), "corporate-ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	const addr = "data.clevermaps_reset_token.test"
	config := func(caExpr string) string {
		return fmt.Sprintf(`
provider "clevermaps" {
  endpoint    = %q
  ca_cert_pem = %s
}

data "clevermaps_reset_token" "test" {
  token = %q
}
`, endpoint, caExpr, caTestToken)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(`"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"`),
				ExpectError: regexp.MustCompile(`(?s)Invalid CA certificates.*ca_cert_pem`),
			},
			{
				Config: config(fmt.Sprintf("file(%q)", filepath.ToSlash(caFile))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("valid"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact(adaEmail)),
				},
			},
		},
	})
	if n := api.Count(standin.EndpointRequestReset) + api.Count(standin.EndpointFinishReset); n != 0 {
		t.Errorf("reading a token sent %d mail or password request(s)", n)
	}
}

// TestAccProvider_caCertPEMMissing: without ca_cert_pem the same server is
// refused before any request, with a hint at the attribute.
func TestAccProvider_caCertPEMMissing(t *testing.T) {
	t.Setenv(CACertPEMEnvVar, "")
	ca := testca.New(t)
	api, endpoint := newTLSTestAPI(t, ca)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  retry = {
    attempts = 0
  }
}

data "clevermaps_reset_token" "test" {
  token = %q
}
`, endpoint, caTestToken),
			ExpectError: regexp.MustCompile(`(?s)certificate not trusted.*ca_cert_pem`),
		}},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s) over an unverified connection", n)
	}
}
