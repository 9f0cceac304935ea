package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Account mirrors the API's AccountDTO. Unknown fields are ignored so that
// the API can grow without breaking the provider.
type Account struct {
	ID             string       `json:"id"`
	FullName       string       `json:"fullName"`
	Email          string       `json:"email"`
	ConsentGranted *bool        `json:"consentGranted,omitempty"`
	Status         string       `json:"status"`
	Anonymous      bool         `json:"anonymous"`
	PhoneNumber    string       `json:"phoneNumber,omitempty"`
	Preferences    *Preferences `json:"preferences,omitempty"`
	Onboarding     *Onboarding  `json:"onboarding,omitempty"`
	Links          []any        `json:"links,omitempty"`
}

// Preferences mirrors the account's preferences object.
type Preferences struct {
	Language               string `json:"language,omitempty"`
	LastActiveProject      string `json:"lastActiveProject,omitempty"`
	LastActiveOrganization string `json:"lastActiveOrganization,omitempty"`
	SendNewsletter         bool   `json:"sendNewsletter"`
}

// Onboarding mirrors the account's onboarding object.
type Onboarding struct {
	IntroShown []string `json:"introShown"`
	TipsShown  []string `json:"tipsShown"`
}

// FinishResetRequest is the body of the finish-reset call.
type FinishResetRequest struct {
	NewPassword    string `json:"newPassword"`
	ConsentGranted *bool  `json:"consentGranted,omitempty"`
}

type requestResetBody struct {
	Email string `json:"email"`
}

// passwordResetSegments is the path of the password-reset endpoints below
// the base URL.
var passwordResetSegments = []string{"accounts", "passwordReset"}

// ErrInvalidToken is returned, without sending anything, for a token that
// cannot be a single path segment.
var ErrInvalidToken = errors.New("the reset token is empty or not a single path segment")

func checkToken(token string) error {
	if token == "" || token == "." || token == ".." || strings.ContainsAny(token, "/\\") {
		return ErrInvalidToken
	}
	return nil
}

// RequestPasswordReset asks the API to mail a reset token to email
// (POST /accounts/passwordReset). A 404 (no such account) matches ErrNotFound.
//
// The call sends a mail, so it is repeated only when the server certainly did
// not act; after an ambiguous failure it returns an *OutcomeUnknownError.
func (c *Client) RequestPasswordReset(ctx context.Context, email string) error {
	ci := &callInfo{op: OpRequestReset}
	r, err := c.do(ctx, ci, http.MethodPost, c.urlFor(passwordResetSegments...), requestResetBody{Email: email})
	return c.postOutcome(ci, r, err)
}

// VerifyResetToken returns the account a reset token belongs to
// (GET /accounts/passwordReset/{token}). An unknown, expired or used token
// matches ErrNotFound. The call is safe to repeat and is retried on every
// transient failure.
func (c *Client) VerifyResetToken(ctx context.Context, token string) (*Account, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	ci := &callInfo{op: OpVerifyToken, idempotent: true}
	r, err := c.do(ctx, ci, http.MethodGet, c.tokenURL(token), nil, token)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, c.apiError(ci, r, token)
	}
	var acct Account
	if err := json.Unmarshal(r.body, &acct); err != nil {
		if looksLikeHTML(r) {
			return nil, &UnexpectedResponseError{Op: ci.op, StatusCode: r.status, Reason: "its body is an HTML page (a sign-in form or a proxy's page, for example), where the API answers with the account as JSON"}
		}
		return nil, &ResponseError{Op: ci.op, StatusCode: r.status, Reason: "its body is not the account the API sends: " + jsonProblem(err)}
	}
	if missing := missingAccountFields(&acct); len(missing) > 0 {
		// A 200 with {}, null or some other JSON would otherwise pass for
		// a valid token of an account with no id or address.
		return nil, &UnexpectedResponseError{Op: ci.op, StatusCode: r.status,
			Reason: "its body is not an account: " + strings.Join(missing, ", ") + " missing or empty, which every account the API sends has"}
	}
	return &acct, nil
}

// missingAccountFields names the fields the contract requires of an account
// (AccountDTO: id, email, and fullName of at least one character) that acct
// lacks. An empty id or email is counted as missing too: the API's accounts
// always have both, and an account without them identifies no one.
func missingAccountFields(acct *Account) []string {
	var missing []string
	for _, f := range []struct{ name, value string }{{"id", acct.ID}, {"email", acct.Email}, {"fullName", acct.FullName}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	return missing
}

// FinishPasswordReset sets a new password with a reset token
// (POST /accounts/passwordReset/{token}). A 404 matches ErrNotFound and a 400
// matches ErrPasswordRejected, with the server's explanation in the
// *APIError's Message.
//
// After an ambiguous failure the client asks the API, with a safe GET, whether
// the token still exists. Tokens are single use, so a token that still
// verifies proves the password was not changed and the call is sent once more;
// setting the same password twice would be harmless anyway. A token that is
// gone yields ErrTokenProbablyConsumed: the first attempt most likely worked.
func (c *Client) FinishPasswordReset(ctx context.Context, token string, body FinishResetRequest) error {
	if err := checkToken(token); err != nil {
		return err
	}
	err := c.finishOnce(ctx, token, body)
	if !errors.Is(err, ErrOutcomeUnknown) {
		return err
	}
	c.log.Warn(ctx, "finishing the password reset failed ambiguously; checking whether the token was consumed", map[string]any{"operation": string(OpFinishReset)})
	probablyConsumed := &OutcomeUnknownError{Op: OpFinishReset, Cause: fmt.Errorf("%w: %w", ErrTokenProbablyConsumed, err)}
	if _, verr := c.VerifyResetToken(ctx, token); verr != nil {
		if errors.Is(verr, ErrNotFound) {
			return probablyConsumed
		}
		return err
	}
	err2 := c.finishOnce(ctx, token, body)
	if errors.Is(err2, ErrNotFound) {
		// The token verified a moment ago, so the first attempt must have
		// been processed after all.
		return probablyConsumed
	}
	return err2
}

func (c *Client) finishOnce(ctx context.Context, token string, body FinishResetRequest) error {
	ci := &callInfo{op: OpFinishReset}
	secrets := []string{token, body.NewPassword}
	r, err := c.do(ctx, ci, http.MethodPost, c.tokenURL(token), body, secrets...)
	return c.postOutcome(ci, r, err, secrets...)
}

// postOutcome turns the result of a non-idempotent call into its error:
// nil for a 2xx the API could have sent, *OutcomeUnknownError when the server
// may have acted, *NotSentError when it certainly did not, and the plain
// error (an *APIError the server answered with) otherwise.
//
// A 2xx whose body shows that something other than the API answered (see
// unrecognizedSuccess) is not a success. For the finish it is an
// *UnexpectedResponseError: the reset must not be recorded as done while the
// old password may still work. For the send it is an unknown outcome: the
// request was delivered to something that answered 2xx, and whether a mail
// went out cannot be known; reporting it as a plain failure would let a
// caller send it again, and the person would get two mails.
func (c *Client) postOutcome(ci *callInfo, r *response, err error, secrets ...string) error {
	if err != nil {
		var re *ResponseError
		switch {
		case errors.As(err, &re):
			if re.StatusCode >= 300 && re.StatusCode < 400 {
				// A redirect is an answer; whatever sits at the endpoint
				// did not act on the request.
				return err
			}
			return &OutcomeUnknownError{Op: ci.op, Cause: err}
		case ci.sent.Load() && !notSent(err):
			return &OutcomeUnknownError{Op: ci.op, Cause: err}
		}
		return &NotSentError{Op: ci.op, Cause: err}
	}
	switch {
	case r.status >= 200 && r.status < 300:
		reason := unrecognizedSuccess(ci.op, r)
		if reason == "" {
			return nil
		}
		uerr := &UnexpectedResponseError{Op: ci.op, StatusCode: r.status, Reason: reason}
		if ci.op == OpRequestReset {
			return &OutcomeUnknownError{Op: ci.op, Cause: uerr}
		}
		return uerr
	case isAmbiguousStatus(r):
		return &OutcomeUnknownError{Op: ci.op, Cause: c.apiError(ci, r, secrets...)}
	case isRefusal(r):
		return &NotSentError{Op: ci.op, Cause: c.apiError(ci, r, secrets...)}
	default:
		return c.apiError(ci, r, secrets...)
	}
}

// documentedSuccess is the status the contract gives each POST's success;
// the API sends it with no body.
var documentedSuccess = map[Operation]int{
	OpRequestReset: http.StatusCreated,
	OpFinishReset:  http.StatusNoContent,
}

// unrecognizedSuccess says why a 2xx answer to a POST cannot have come from
// the API, or returns "" when it may have. The documented status, or any 2xx
// with an empty body, counts as the API's answer: a stricter check would call
// a real mail a failure, and a caller could then send it again. Any other
// 2xx with a body (a sign-in page, a gateway's "OK", JSON of some other
// service) is not what the API sends, so it does not show that the call was
// done (nor that it was not: see postOutcome).
func unrecognizedSuccess(op Operation, r *response) string {
	want := documentedSuccess[op]
	body := bytes.TrimSpace(r.body)
	if r.status == want || len(body) == 0 {
		return ""
	}
	kind := "text"
	switch {
	case looksLikeHTML(r):
		kind = "an HTML page (a sign-in form or a proxy's page, for example)"
	case json.Valid(body):
		kind = "JSON"
	}
	return fmt.Sprintf("its body is %s, where the API answers %d %s with no body", kind, want, http.StatusText(want))
}

// looksLikeHTML reports an answer that is a web page: declared as HTML, or a
// body that starts with markup.
func looksLikeHTML(r *response) bool {
	ct := strings.ToLower(r.header.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml") ||
		strings.HasPrefix(string(bytes.TrimSpace(r.body)), "<")
}

func (c *Client) tokenURL(token string) *url.URL {
	return c.urlFor(append(slices.Clip(passwordResetSegments), token)...)
}

// isAmbiguousStatus reports a status after which a POST may or may not have
// been acted on: every 5xx, since a proxy or CDN in front of the API (520,
// 524, ...) may answer after the API acted, except those that say the
// request was not handled at all (501 Not Implemented, 505 HTTP Version Not
// Supported) and the refusals made before any work (503 with Retry-After;
// 429 is not a 5xx).
func isAmbiguousStatus(r *response) bool {
	switch {
	case r.status < 500 || r.status > 599:
		return false
	case r.status == http.StatusNotImplemented, r.status == http.StatusHTTPVersionNotSupported:
		return false
	case r.status == http.StatusServiceUnavailable:
		return r.header.Get("Retry-After") == ""
	}
	return true
}

// isRefusal reports a status that servers send before doing any work: 429,
// and 503 with Retry-After.
func isRefusal(r *response) bool {
	return r.status == http.StatusTooManyRequests ||
		(r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") != "")
}
