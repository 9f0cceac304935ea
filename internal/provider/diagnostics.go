package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// The functions here turn client errors into diagnostics for the person
// running apply. Each says what happened (client.Describe, built from the
// error's types, never Go's own error text), at which host, for which input,
// whether the API acted, and what to do next. Client errors are already free
// of secrets and the host has no path; these messages add no secret.
// Diagnostics are plain text: the CLI shows backticks as they are, so
// attribute names appear bare.

// endpointChoice names the official endpoints, for messages that ask for one.
var endpointChoice = fmt.Sprintf("%s (production) or %s (staging)", client.ProductionEndpoint, client.StagingEndpoint)

// officialEndpoints is endpointChoice as a sentence of its own.
var officialEndpoints = "The official endpoints are " + endpointChoice + "."

// advice is what a diagnostic says about a failure whose cause is the same
// for every call (the network, the endpoint, rate limiting, time): its
// summary, and the next step, where the cure lies in the configuration, the
// network, the endpoint or the API's state. Either is "" when the caller must
// say it.
type advice struct{ summary, step string }

// adviceFor classifies err once, for both failureSummary and nextStep.
func adviceFor(err error) advice {
	var ue *client.UnreachableError
	var api *client.APIError
	var re *client.ResponseError
	switch {
	case errors.Is(err, context.Canceled):
		return advice{"CleverMaps API call cancelled", "Run Terraform again to finish it."}
	case errors.Is(err, client.ErrRateLimited):
		return advice{"CleverMaps API is rate limiting", "The API refuses requests beyond its rate limit; request_timeout_ms does not count the time spent waiting for it. " +
			"What helps: a requests_per_second in the provider block at or below the rate the API accepts, so that requests " +
			"wait their turn instead of being refused; more time for the operation in the resource's timeouts block; or " +
			"fewer addresses per apply (split the list into chunks)."}
	case errors.Is(err, client.ErrOwnRateLimit):
		return advice{"Request rate too low to finish in time", "Raise requests_per_second in the provider block, give the operation more time in the resource's timeouts " +
			"block, or mail fewer addresses per apply."}
	case errors.As(err, &ue):
		return unreachableAdvice(ue)
	case errors.Is(err, client.ErrRequestTimeout):
		return advice{"CleverMaps API did not answer in time", "If the API is slow, raise request_timeout_ms in the provider block; if it never answers, check endpoint " +
			"and this machine's network or proxy."}
	case errors.Is(err, context.DeadlineExceeded):
		return advice{"CleverMaps API call timed out", "Give the operation more time in the resource's timeouts block, or, if the API answers slowly or not at all, " +
			"check endpoint and this machine's network or proxy."}
	case errors.Is(err, client.ErrNotCleverMaps):
		return advice{"Endpoint does not answer as the CleverMaps API", "Check that endpoint is the API's base URL, " + endpointChoice + ", and that no proxy answers in its " +
			"place: a sign-in page means the network wants a login first."}
	case errors.As(err, &api) && (api.StatusCode == http.StatusUnauthorized || api.StatusCode == http.StatusForbidden):
		return advice{"Endpoint refused access", "The password-reset API needs no credentials, so the endpoint is most likely not the CleverMaps API, or a " +
			"proxy or firewall on the way refuses the request. Check endpoint, " + endpointChoice + ", and this network's " +
			"proxy settings (HTTPS_PROXY, NO_PROXY)."}
	case errors.As(err, &re) && re.StatusCode >= 300 && re.StatusCode < 400:
		return advice{"Endpoint answered with a redirect", "Set endpoint to the API's base URL exactly, " + endpointChoice + ", with https:// and the /rest path."}
	case errors.As(err, &re):
		return advice{step: "Check that endpoint is the API's base URL, " + endpointChoice + ", and that no proxy answers in its place."}
	case errors.As(err, &api) && api.StatusCode >= 500:
		return advice{step: "The API is failing; apply again later. If it keeps failing, ask CleverMaps whether the API is down."}
	case errors.As(err, &api) && api.StatusCode != http.StatusNotFound && api.StatusCode != http.StatusBadRequest:
		return advice{step: "Check that endpoint is the API's base URL, " + endpointChoice + "."}
	}
	return advice{}
}

// unreachableAdvice is adviceFor a connection that could not be opened.
func unreachableAdvice(ue *client.UnreachableError) advice {
	switch ue.Kind {
	case client.UnreachableDNS:
		return advice{"CleverMaps API host not found", "Check the host name in endpoint (or " + EndpointEnvVar + ") for typos, and that this machine's DNS " +
			"or VPN can resolve it. " + officialEndpoints}
	case client.UnreachableRefused:
		return advice{"Connection to the CleverMaps API refused", "Check the host and port in endpoint, and that the API (or the stand-in or tunnel it names) is running and reachable from this machine."}
	case client.UnreachableProxy:
		return advice{"Proxy not reachable", "Check the proxy settings of this machine (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and that the proxy is running."}
	case client.UnreachableUntrustedCert:
		return advice{"CleverMaps API certificate not trusted", fmt.Sprintf("If a proxy on this network inspects TLS, give its CA certificate in the provider's %s (or the %s "+
			"environment variable). Otherwise check that endpoint names the CleverMaps API.", caCertPEMAttr, CACertPEMEnvVar)}
	case client.UnreachableCertName:
		return advice{"CleverMaps API certificate not valid", "Check the host name in endpoint, " + endpointChoice + ": the server there presents a certificate for another name."}
	case client.UnreachableCertInvalid:
		return advice{"CleverMaps API certificate not valid", "Check this machine's clock, and that endpoint names the CleverMaps API, " + endpointChoice + "."}
	case client.UnreachableTLS:
		return advice{"Secure connection to the CleverMaps API failed", "Check that endpoint's scheme and port fit the server: https:// needs a port that speaks TLS. " + officialEndpoints}
	}
	return advice{"CleverMaps API not reachable", "Check this machine's network connection, VPN or proxy, and the host in endpoint."}
}

// failureSummary is adviceFor's summary, or fallback.
func failureSummary(err error, fallback string) string {
	if s := adviceFor(err).summary; s != "" {
		return s
	}
	return fallback
}

// nextStep is adviceFor's next step, or "" when the caller must say it.
func nextStep(err error) string {
	return adviceFor(err).step
}

// join puts the non-empty sentences together.
func join(sentences ...string) string {
	return strings.Join(slices.DeleteFunc(sentences, func(s string) bool { return s == "" }), " ")
}

// requestResetDiagnostic reports a failed reset-mail request for email sent
// to host. An unknown outcome is reported as the send action meets it: the
// single resource records one instead (unknownOutcomeWarning), and the batch
// resource lists it among its failures.
func requestResetDiagnostic(diags *diag.Diagnostics, attr path.Path, host, email string, err error) {
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown):
		diags.AddAttributeError(attr, "Unknown whether the reset mail was sent", join(
			fmt.Sprintf("Sending a password-reset mail to %q via %s failed after the request was sent: %s.", email, host, client.Describe(err)),
			"The server may have sent the mail, so the request was not repeated, and nobody gets two mails unless you decide so.",
			"Ask the user whether it arrived: if it did, nothing needs to be done; if it did not, invoke the action again for this address, which sends one new mail.",
			nextStep(err)))
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(attr, "No CleverMaps account for this email", fmt.Sprintf(
			"%s has no CleverMaps account for %q (it answered 404 Not Found), so no password-reset mail was sent. "+
				"Check the address for typos, and that endpoint names the environment that has the account, %s; "+
				"or create the account first. Then apply again.", host, email, endpointChoice))
	default:
		step := nextStep(err)
		if step == "" {
			step = "Check the address, then apply again."
		}
		diags.AddAttributeError(attr, failureSummary(err, "Sending the password-reset mail failed"), join(
			fmt.Sprintf("Sending a password-reset mail to %q via %s failed: %s.", email, host, client.Describe(err)),
			"The API did not act on the request, so nothing was mailed and trying again is safe.",
			step))
	}
}

// verifyTokenDiagnostic reports a failed token check at host (any failure
// other than an unknown token, which is not an error).
func verifyTokenDiagnostic(diags *diag.Diagnostics, attr path.Path, host string, err error) {
	step := nextStep(err)
	if step == "" {
		step = "Apply again; if it keeps failing, check endpoint and this machine's network or proxy."
	}
	diags.AddAttributeError(attr, failureSummary(err, "Checking the reset token failed"), join(
		fmt.Sprintf("Checking the reset token via %s failed: %s.", host, client.Describe(err)),
		"Checking a token changes nothing, so trying again is safe.",
		step))
}

// finishResetDiagnostic reports a failed finish-reset call at host and
// returns whether the password was most likely set all the same, in which
// case the caller records the reset.
func finishResetDiagnostic(diags *diag.Diagnostics, host string, in resetInput, err error) bool {
	var apiErr *client.APIError
	checkToken := "check the token with the clevermaps_reset_token data source: while it is still valid, the password " +
		"was not changed and applying again is safe."
	switch {
	case errors.Is(err, client.ErrTokenProbablyConsumed):
		// The token is gone, so repeating cannot help; the reset most likely
		// worked. Recording it (with a warning) keeps the next apply from
		// failing on a token that no longer exists.
		diags.AddAttributeWarning(in.tokenPath, "Password reset probably completed", fmt.Sprintf(
			"Setting the new password via %s failed in a way that left its outcome unknown, and the reset token no "+
				"longer exists, so that attempt most likely set the new password. Sign in with the new password to "+
				"confirm. If it does not work, request a new reset mail and reset again with the new token.", host))
		return true
	case errors.Is(err, client.ErrOutcomeUnknown):
		diags.AddAttributeError(in.tokenPath, "Unknown whether the password was changed", join(
			fmt.Sprintf("Setting the new password via %s failed after the request was sent: %s.", host, client.Describe(err)),
			"Whether the server set the new password is unknown, so the request was not repeated blindly. Try signing in "+
				"with the new password; if that fails, "+checkToken,
			nextStep(err)))
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(in.tokenPath, "Reset token unknown, expired or already used", fmt.Sprintf(
			"%s does not accept this reset token: it is unknown, has expired, or was already used (tokens work once). "+
				"Request a new reset mail and use the token from it; if the token came from another environment, check "+
				"endpoint, %s.", host, endpointChoice))
	case errors.Is(err, client.ErrPasswordRejected) && errors.As(err, &apiErr):
		msg := apiErr.Message
		if msg == "" {
			msg = "the password does not meet the requirements"
		}
		diags.AddAttributeError(in.passwordPath, "New password rejected", fmt.Sprintf(
			"%s rejected the new password: %s. A refused password leaves the token usable; choose a password that "+
				"meets the requirements and apply again (if the token is refused then, request a new reset mail).", host, msg))
	case errors.Is(err, client.ErrNotCleverMaps):
		// A success status with a body the API never sends: something
		// answered, but whether the API set the password cannot be told.
		diags.AddAttributeError(in.tokenPath, failureSummary(err, ""), join(
			fmt.Sprintf("Setting the new password via %s failed: %s.", host, client.Describe(err)),
			"Whether the password was set cannot be told from that answer, so the reset is not recorded.",
			nextStep(err), "Then "+checkToken))
	default:
		step := nextStep(err)
		if step == "" {
			step = "Apply again; if it keeps failing, check endpoint and this machine's network or proxy."
		}
		diags.AddAttributeError(in.tokenPath, failureSummary(err, "Setting the new password failed"), join(
			fmt.Sprintf("Setting the new password via %s failed: %s.", host, client.Describe(err)),
			"The API did not act on the request: the password is unchanged and the token still works, so trying again is safe.",
			step))
	}
	return false
}

// failureSteps lists, once each and in a fixed order, the next steps for
// the errors of a batch of calls, for the summary of a batch's failures.
func failureSteps(errs []error) []string {
	var steps []string
	for _, err := range errs {
		s := nextStep(err)
		if errors.Is(err, client.ErrNotFound) {
			s = "For the addresses without an account: check them for typos, and that endpoint names the environment " +
				"that has the accounts, " + endpointChoice + "; or create the accounts first."
		}
		if s != "" && !slices.Contains(steps, s) {
			steps = append(steps, s)
		}
	}
	slices.Sort(steps)
	return steps
}

// writeSteps appends the steps to b as a paragraph.
func writeSteps(b *strings.Builder, steps []string) {
	if len(steps) == 0 {
		return
	}
	b.WriteString("\n\nWhat to do:")
	for _, s := range steps {
		b.WriteString("\n- " + s)
	}
}
