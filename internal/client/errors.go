package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinel errors for the outcomes callers branch on. Check them with
// errors.Is; the concrete types below carry the details.
var (
	// ErrNotFound reports a 404: no account for an email, or a reset token
	// that is unknown, expired or already used.
	ErrNotFound = errors.New("not found")

	// ErrRateLimited reports that the server kept answering 429 Too Many
	// Requests until the call's deadline, or that the pause it asked for (or
	// the pace learned from its 429 answers) left this call no turn before
	// its deadline: it refused the call, or never saw it, without acting on
	// it. The concrete type is *RateLimitedError.
	ErrRateLimited = errors.New("rate limited")

	// ErrOwnRateLimit reports that the client's own configured request rate
	// (Config.RequestsPerSecond) left a call no turn before its deadline: the
	// request was never sent.
	ErrOwnRateLimit = errors.New("the configured request rate left no turn for the request before the call's deadline")

	// ErrRequestTimeout reports that a request got no complete answer
	// within the per-attempt timeout (Config.Timeout) while the call itself
	// still had time. The concrete type is *RequestTimeoutError.
	ErrRequestTimeout = errors.New("no answer within the request timeout")

	// ErrUnreachable reports that no connection to the API could be opened:
	// its name did not resolve, the connection was refused, the TLS
	// handshake or the certificate failed, or the network or proxy was in
	// the way. Nothing was sent. The concrete type is *UnreachableError,
	// whose Kind says which.
	ErrUnreachable = errors.New("the API could not be reached")

	// ErrPasswordRejected reports a 400 from the finish-reset call: the new
	// password does not meet the server's requirements.
	ErrPasswordRejected = errors.New("password rejected")

	// ErrOutcomeUnknown reports that a non-idempotent call failed in a way
	// that leaves open whether the server acted on it (a timeout after the
	// request was written, a 500, a connection dropped mid-response). Such a
	// call is never repeated automatically.
	ErrOutcomeUnknown = errors.New("outcome unknown")

	// ErrNotSent reports that a non-idempotent call ended without the API
	// acting on it: the request never left the client (its deadline came
	// first, or the connection could not be opened), or the server refused it
	// before doing any work (429, or 503 with Retry-After) until the call ran
	// out of attempts or time. Repeating the call later is safe.
	ErrNotSent = errors.New("not sent")

	// ErrNotCleverMaps reports an answer with a success status that the
	// CleverMaps API would not give: a verification without the account's
	// required fields, or a page (a login form, a gateway's greeting) where
	// the API answers with no body. Whatever answered is most likely not the
	// API: a wrong endpoint, or a proxy that answers everything itself.
	ErrNotCleverMaps = errors.New("the endpoint does not answer as the CleverMaps API does")

	// ErrTokenProbablyConsumed reports that a finish-reset call failed
	// ambiguously and a follow-up verification found the token gone: the
	// first attempt most likely changed the password.
	ErrTokenProbablyConsumed = errors.New("token probably consumed by an earlier attempt")
)

// Operation names one API call in errors and log lines. It never contains a
// token or any other request data.
type Operation string

// The operations of the password-reset API.
const (
	OpRequestReset Operation = "request password reset"
	OpVerifyToken  Operation = "verify reset token"
	OpFinishReset  Operation = "finish password reset"
)

// APIError is a response with an unexpected status code. Message is the
// server's own explanation when it sent one, already redacted and shortened.
type APIError struct {
	Op         Operation
	StatusCode int
	Message    string
	// Attempts is how many requests were sent for this call.
	Attempts int
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: server answered %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is lets errors.Is match the sentinel errors by status code and operation.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrPasswordRejected:
		return e.Op == OpFinishReset && e.StatusCode == http.StatusBadRequest
	}
	return false
}

// TransportError is a failure to get any usable response: the connection
// could not be made, was dropped, timed out, or the response could not be
// read. Err never carries the request URL (see redact.go).
type TransportError struct {
	Op       Operation
	Err      error
	Attempts int
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: %v", e.Op, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// OutcomeUnknownError wraps the failure of a non-idempotent call after which
// the server may or may not have acted. Callers must not blindly repeat the
// call; they should tell the person what to check.
type OutcomeUnknownError struct {
	Op    Operation
	Cause error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("%s: the outcome is unknown, the server may or may not have acted: %v", e.Op, e.Cause)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// ResponseError reports a response that arrived but could not be used: a
// body over the size cap, malformed JSON, or a redirect, which the client
// refuses to follow because the request URL carries a secret.
type ResponseError struct {
	Op         Operation
	StatusCode int
	Reason     string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s: unusable response (status %d): %s", e.Op, e.StatusCode, e.Reason)
}

// UnexpectedResponseError is a success status whose answer the CleverMaps
// API would not give (see ErrNotCleverMaps). Reason says what was wrong with
// it; it never quotes the body, which may be a page that echoes the request.
type UnexpectedResponseError struct {
	Op         Operation
	StatusCode int
	Reason     string
}

func (e *UnexpectedResponseError) Error() string {
	return fmt.Sprintf("%s: %s: it answered %d %s, but %s; check that the endpoint is the API's base URL and that no proxy answers in its place",
		e.Op, ErrNotCleverMaps, e.StatusCode, http.StatusText(e.StatusCode), e.Reason)
}

// Is matches ErrNotCleverMaps.
func (e *UnexpectedResponseError) Is(target error) bool { return target == ErrNotCleverMaps }

// NotSentError wraps the failure of a non-idempotent call that certainly was
// not acted on (see ErrNotSent).
type NotSentError struct {
	Op    Operation
	Cause error
}

func (e *NotSentError) Error() string {
	return fmt.Sprintf("%s: not sent, the server did not act on it: %v", e.Op, e.Cause)
}

func (e *NotSentError) Unwrap() error { return e.Cause }

// Is matches ErrNotSent.
func (e *NotSentError) Is(target error) bool { return target == ErrNotSent }

// RateLimitedError is ErrRateLimited with what the client saw: how many 429
// answers this call waited out (0 when it never got to send, because the
// pause another call's 429 set, or the pace learned from such answers, left
// it no turn before its deadline).
type RateLimitedError struct {
	Answers429 int
	Cause      error
}

func (e *RateLimitedError) Error() string {
	if e.Answers429 == 0 {
		return fmt.Sprintf("%s: the server asked to slow down and the call's deadline came before its turn: %v", ErrRateLimited, e.Cause)
	}
	return fmt.Sprintf("%s: the server answered 429 %d time(s) and the call's deadline came first: %v", ErrRateLimited, e.Answers429, e.Cause)
}

func (e *RateLimitedError) Unwrap() error { return e.Cause }

// Is matches ErrRateLimited.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// RequestTimeoutError is ErrRequestTimeout with the timeout that ran out.
type RequestTimeoutError struct {
	Timeout time.Duration
	Cause   error
}

func (e *RequestTimeoutError) Error() string {
	return fmt.Sprintf("%s (%s): %v", ErrRequestTimeout, e.Timeout, e.Cause)
}

func (e *RequestTimeoutError) Unwrap() error { return e.Cause }

// Is matches ErrRequestTimeout.
func (e *RequestTimeoutError) Is(target error) bool { return target == ErrRequestTimeout }

// UnreachableKind says why a connection to the API could not be opened.
type UnreachableKind int

// The kinds of UnreachableError.
const (
	// UnreachableNetwork: the connection could not be opened for another
	// reason (no route to the host, network down, reset while connecting).
	UnreachableNetwork UnreachableKind = iota
	// UnreachableDNS: the host name did not resolve.
	UnreachableDNS
	// UnreachableRefused: the host refused the connection; nothing listens
	// on that port, or a firewall turns it away.
	UnreachableRefused
	// UnreachableProxy: the proxy taken from the environment (HTTPS_PROXY,
	// HTTP_PROXY) could not be reached.
	UnreachableProxy
	// UnreachableUntrustedCert: the server's certificate is signed by an
	// authority this machine does not trust, typically a TLS-inspecting
	// proxy's own CA.
	UnreachableUntrustedCert
	// UnreachableCertName: the server's certificate is for another name.
	UnreachableCertName
	// UnreachableCertInvalid: the server's certificate is expired, not yet
	// valid, or otherwise unusable.
	UnreachableCertInvalid
	// UnreachableTLS: the TLS handshake failed for a reason other than the
	// certificate, for example because the server does not speak TLS there.
	UnreachableTLS
)

// UnreachableError reports that no connection to the API could be opened
// (see ErrUnreachable). Host is what the client tried to reach: the
// endpoint's host, or the proxy's address for UnreachableProxy. Err is the
// redacted cause.
type UnreachableError struct {
	Kind UnreachableKind
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return describeUnreachable(e) + ": " + e.Err.Error()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Is matches ErrUnreachable.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }
