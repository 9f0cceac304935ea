package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// The functions here turn client errors into diagnostics for the person
// running apply: what failed, for which input, and what to do next. Client
// errors are already free of secrets; these messages add none.

// commonFailure describes failures that look the same for every call, or
// returns ok=false. An unknown outcome is never common: a POST that timed
// out after it was sent must say that it may have acted, so callers handle
// ErrOutcomeUnknown themselves.
func commonFailure(err error) (summary, detail string, ok bool) {
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown):
		return "", "", false
	case errors.Is(err, context.Canceled):
		return "CleverMaps API call cancelled", "The operation was cancelled before it finished.", true
	case errors.Is(err, context.DeadlineExceeded):
		return "CleverMaps API call timed out", fmt.Sprintf("%s. Raise the operation's timeout or the provider's request_timeout_ms if the API is slow.", err), true
	case errors.Is(err, client.ErrRateLimited):
		return "CleverMaps API is rate limiting", fmt.Sprintf("The API kept answering 429 Too Many Requests%s until the operation's timeout, so the call was given up; the server did not act on it. "+
			"Apply again later, or raise the operation's timeout.", afterAttempts(err)), true
	case errors.As(err, new(x509.UnknownAuthorityError)):
		// Checked before ErrNotSent, which a POST's failed handshake also
		// is: the useful news is which setting fixes it.
		return "CleverMaps API certificate not trusted", fmt.Sprintf("%s. Nothing was sent: the connection was given up "+
			"before any request. If a proxy on this network inspects TLS, give its CA certificate in the provider's "+
			"%s (or %s).", err, caCertPEMAttr, CACertPEMEnvVar), true
	case errors.Is(err, client.ErrNotSent):
		return "CleverMaps API call not sent", fmt.Sprintf("%s. The API did not act on it, so applying again is safe.", err), true
	}
	return "", "", false
}

// requestResetDiagnostic reports a failed reset-mail request for email.
func requestResetDiagnostic(diags *diag.Diagnostics, attr path.Path, email string, err error) {
	if summary, detail, ok := commonFailure(err); ok {
		diags.AddAttributeError(attr, summary, fmt.Sprintf("Sending a password-reset mail to %q: %s", email, detail))
		return
	}
	switch {
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(attr, "No CleverMaps account for this email",
			fmt.Sprintf("No CleverMaps account exists for %q, so no password-reset mail was sent. "+
				"Check the address for typos, or create the account before requesting a reset.", email))
	case errors.Is(err, client.ErrOutcomeUnknown):
		diags.AddAttributeError(attr, "Unknown whether the reset mail was sent",
			fmt.Sprintf("Requesting a password-reset mail for %q failed in a way that leaves open whether the server sent it: %s. "+
				"The request was not repeated, so that the user does not get two mails. Check with the user (or the mailbox) "+
				"whether the mail arrived: if it did, no action is needed, although Terraform will send another mail on the next apply "+
				"because this one was not recorded.", email, err))
	default:
		diags.AddAttributeError(attr, "Sending the password-reset mail failed",
			fmt.Sprintf("Requesting a password-reset mail for %q failed: %s.", email, err))
	}
}

// verifyTokenDiagnostic reports a failed token verification (any failure
// other than an unknown token, which is not an error).
func verifyTokenDiagnostic(diags *diag.Diagnostics, attr path.Path, err error) {
	if summary, detail, ok := commonFailure(err); ok {
		diags.AddAttributeError(attr, summary, "Verifying the reset token: "+detail)
		return
	}
	diags.AddAttributeError(attr, "Verifying the reset token failed",
		fmt.Sprintf("The CleverMaps API could not verify the reset token: %s. The call is safe to repeat; apply again once the API is reachable.", err))
}

// afterAttempts says how many requests a failed call sent, when the error
// records it, as " after N attempt(s)"; otherwise nothing.
func afterAttempts(err error) string {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Attempts > 0 {
		return fmt.Sprintf(" after %d attempt(s)", apiErr.Attempts)
	}
	return ""
}
