package client

import (
	"errors"
	"net/url"
	"strings"
)

// redacted replaces every secret in text that leaves the client.
const redacted = "[REDACTED]"

// redactString removes every occurrence of each secret from s, in the forms
// in which a secret can show up in a URL or a body: as is, path-escaped and
// query-escaped. Empty secrets are ignored.
func redactString(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
			if form != "" && strings.Contains(s, form) {
				s = strings.ReplaceAll(s, form, redacted)
			}
		}
	}
	return s
}

// redactedError carries a redacted message and the cause it came from. The
// cause is never a *url.Error (see redactTransportError), so unwrapping it
// cannot reveal the request URL either.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// redactTransportError makes an error from net/http safe to show. Go's
// *url.Error prints the full request URL, and ours carries the reset token in
// its path, so the *url.Error layer is dropped and the remaining message is
// scrubbed of the secrets as a second line of defence.
func redactTransportError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var uerr *url.Error
	for errors.As(err, &uerr) {
		err = uerr.Err
		if err == nil {
			return &redactedError{msg: "request failed"}
		}
	}
	return &redactedError{msg: redactString(err.Error(), secrets...), cause: err}
}
