package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// Behind a TLS-inspecting proxy the API's certificate is re-signed by the
// proxy's own CA. caCertPEMAttr adds such CAs to the system's trusted roots
// (SSL_CERT_FILE, the only way before, replaces them). Verification itself
// cannot be turned off.

const (
	caCertPEMAttr = "ca_cert_pem"
	// CACertPEMEnvVar sets ca_cert_pem from the environment when the
	// provider block does not, as CLEVERMAPS_ENDPOINT does for endpoint.
	CACertPEMEnvVar = "CLEVERMAPS_CA_CERT_PEM"
)

// caCertPEMValidator refuses PEM text that holds no usable certificate at
// validate time, with the attribute path, before any client exists.
type caCertPEMValidator struct{}

func (caCertPEMValidator) Description(context.Context) string {
	return "value must be PEM text holding one or more X.509 certificates (CERTIFICATE blocks)"
}

func (v caCertPEMValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (caCertPEMValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := client.ParseCACertPEM([]byte(req.ConfigValue.ValueString())); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CA certificates", caCertProblem("the provider configuration", err))
	}
}

// caCertProblem explains err, which never quotes the PEM text: it might be
// a private key pasted by mistake.
func caCertProblem(source string, err error) string {
	return fmt.Sprintf("The CA certificates from %s are not usable: %s. Give the PEM text of the certificates "+
		"(-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), for example with file(\"corporate-ca.pem\").", source, err)
}

// caCertPEM returns the CA certificates to trust in addition to the
// system's: ca_cert_pem, or else CLEVERMAPS_CA_CERT_PEM, or none. It
// reports false, with a diagnostic, when they are not usable.
func caCertPEM(v types.String, diags *diag.Diagnostics) ([]byte, bool) {
	if v.IsUnknown() {
		diags.AddAttributeError(path.Root(caCertPEMAttr), "Unknown CA certificates",
			"ca_cert_pem depends on a value that is only known after apply. Set it to a known value, "+
				"for example with file(), or leave it out and set "+CACertPEMEnvVar+" instead.")
		return nil, false
	}
	pemText, source := "", ""
	if env, ok := os.LookupEnv(CACertPEMEnvVar); ok && env != "" {
		pemText, source = env, "the "+CACertPEMEnvVar+" environment variable"
	}
	if !v.IsNull() {
		pemText, source = v.ValueString(), "the provider configuration"
	}
	if source == "" {
		return nil, true
	}
	if _, err := client.ParseCACertPEM([]byte(pemText)); err != nil {
		diags.AddAttributeError(path.Root(caCertPEMAttr), "Invalid CA certificates", caCertProblem(source, err))
		return nil, false
	}
	return []byte(pemText), true
}
