package client

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors for the outcomes callers branch on. Check them with
// errors.Is; the concrete types below carry the details.
var (
	// ErrNotFound reports a 404: no account for an email, or a reset token
	// that is unknown, expired or already used.
	ErrNotFound = errors.New("not found")

	// ErrRateLimited reports that the server kept answering 429 Too Many
	// Requests until the call's deadline: it refused the call without acting
	// on it.
	ErrRateLimited = errors.New("rate limited")

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
