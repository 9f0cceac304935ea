package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// Distinctive secrets, so that finding one in an error string cannot be a
// coincidence.
const (
	faultToken    = "tok-SECRET-1f9e"
	faultPassword = "pw-SECRET-77aa"
)

// Settings of the fault tests: waits short enough for a fast suite, and a
// per-attempt timeout that an injected Delay of faultDelay always exceeds.
const (
	faultTimeout = 300 * time.Millisecond
	faultMaxWait = 50 * time.Millisecond
	faultDelay   = 2 * time.Second
)

// faultCall is one of the client's three API calls.
type faultCall int

const (
	callRequestReset faultCall = iota
	callVerifyToken
	callFinishReset
)

func (fc faultCall) String() string {
	return [...]string{"request_reset", "verify_token", "finish_reset"}[fc]
}

func (fc faultCall) endpoint() standin.Endpoint {
	return [...]standin.Endpoint{standin.EndpointRequestReset, standin.EndpointVerifyToken, standin.EndpointFinishReset}[fc]
}

// run makes the call for testEmail, faultToken and faultPassword.
func (fc faultCall) run(ctx context.Context, c *Client) error {
	switch fc {
	case callRequestReset:
		return c.RequestPasswordReset(ctx, testEmail)
	case callVerifyToken:
		_, err := c.VerifyResetToken(ctx, faultToken)
		return err
	default:
		return c.FinishPasswordReset(ctx, faultToken, FinishResetRequest{NewPassword: faultPassword})
	}
}

// errKind is the concrete error type a fault row expects in the error chain.
type errKind int

const (
	kindNone      errKind = iota // the call succeeds
	kindAPI                      // *APIError
	kindTransport                // *TransportError
	kindResponse                 // *ResponseError
)

// faultRow is one injected fault and everything the call must do about it.
type faultRow struct {
	name  string
	call  faultCall
	fault standin.Fault

	kind   errKind
	status int   // StatusCode of the *APIError or *ResponseError
	is     error // sentinel the error matches; nil when none of ErrOutcomeUnknown and ErrTokenProbablyConsumed may match

	requests    int           // requests the server saw on the call's own endpoint
	atLeast     bool          // requests is a minimum: a 429 loop sends as often as its deadline allows
	rateLimited bool          // the error matches ErrRateLimited
	deadline    time.Duration // when set, the call's context ends after this long
	probes      int           // verify requests a finish-reset sent to probe its token
	mails       int           // reset mails the call caused (request-reset rows)
	changed     bool          // whether the finish-reset changed the password
}

// faultRows lists the faults per call. Times: 1 rows fail once and must
// recover; rows without Times fail on every attempt and must give up.
func faultRows() []faultRow {
	const (
		html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><hr>nginx</body></html>"
		// Far enough ahead that the server's wish is above faultMaxWait.
		secondsAhead = "1"
	)
	dateAhead := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
	htmlFault := func(status, times int) standin.Fault {
		return standin.Fault{Status: status, Body: html, ContentType: "text/html", Times: times}
	}
	oversize := standin.Fault{OversizeBody: maxBodySize + 1}
	redirect := standin.Fault{RedirectTo: "http://127.0.0.2:1/elsewhere"}

	return []faultRow{
		// Verifying a token is a GET: every transient failure is retried.
		{name: "429 seconds once", call: callVerifyToken, fault: standin.Fault{Status: 429, RetryAfter: secondsAhead, Times: 1}, requests: 2},
		{name: "429 date once", call: callVerifyToken, fault: standin.Fault{Status: 429, RetryAfter: dateAhead, Times: 1}, requests: 2},
		{name: "429 until the deadline", call: callVerifyToken, fault: standin.Fault{Status: 429, RetryAfter: secondsAhead}, deadline: time.Second, kind: kindTransport, is: ErrRateLimited, requests: 2, atLeast: true},
		{name: "503 retry-after once", call: callVerifyToken, fault: standin.Fault{Status: 503, RetryAfter: secondsAhead, Times: 1}, requests: 2},
		{name: "503 once", call: callVerifyToken, fault: standin.Fault{Status: 503, Times: 1}, requests: 2},
		{name: "503 exhausted", call: callVerifyToken, fault: standin.Fault{Status: 503}, kind: kindAPI, status: 503, requests: 3},
		{name: "500 not retried", call: callVerifyToken, fault: standin.Fault{Status: 500, Times: 1}, kind: kindAPI, status: 500, requests: 1},
		{name: "502 once", call: callVerifyToken, fault: standin.Fault{Status: 502, Times: 1}, requests: 2},
		{name: "502 exhausted", call: callVerifyToken, fault: standin.Fault{Status: 502}, kind: kindAPI, status: 502, requests: 3},
		{name: "504 once", call: callVerifyToken, fault: standin.Fault{Status: 504, Times: 1}, requests: 2},
		{name: "504 exhausted", call: callVerifyToken, fault: standin.Fault{Status: 504}, kind: kindAPI, status: 504, requests: 3},
		{name: "drop once", call: callVerifyToken, fault: standin.Fault{Drop: true, Times: 1}, requests: 2},
		{name: "drop exhausted", call: callVerifyToken, fault: standin.Fault{Drop: true}, kind: kindTransport, requests: 3},
		{name: "timeout once", call: callVerifyToken, fault: standin.Fault{Delay: faultDelay, Times: 1}, requests: 2},
		{name: "timeout exhausted", call: callVerifyToken, fault: standin.Fault{Delay: faultDelay}, kind: kindTransport, requests: 3},
		{name: "html 502 once", call: callVerifyToken, fault: htmlFault(502, 1), requests: 2},
		{name: "html 502 exhausted", call: callVerifyToken, fault: htmlFault(502, 0), kind: kindAPI, status: 502, requests: 3},
		{name: "html 500", call: callVerifyToken, fault: htmlFault(500, 0), kind: kindAPI, status: 500, requests: 1},
		{name: "malformed json", call: callVerifyToken, fault: standin.Fault{Status: 200, Body: `{"id":"acc-ada","email":`}, kind: kindResponse, status: 200, requests: 1},
		{name: "oversized body", call: callVerifyToken, fault: oversize, kind: kindResponse, status: 200, requests: 1},
		{name: "redirect", call: callVerifyToken, fault: redirect, kind: kindResponse, status: 307, requests: 1},

		// Requesting a reset mail is a POST: repeated only after a refusal,
		// never after an ambiguous failure, so that no one gets two mails.
		{name: "429 seconds once", call: callRequestReset, fault: standin.Fault{Status: 429, RetryAfter: secondsAhead, Times: 1}, requests: 2, mails: 1},
		{name: "429 date once", call: callRequestReset, fault: standin.Fault{Status: 429, RetryAfter: dateAhead, Times: 1}, requests: 2, mails: 1},
		{name: "429 until the deadline", call: callRequestReset, fault: standin.Fault{Status: 429, RetryAfter: secondsAhead}, deadline: time.Second, kind: kindTransport, is: ErrNotSent, rateLimited: true, requests: 2, atLeast: true},
		{name: "503 retry-after once", call: callRequestReset, fault: standin.Fault{Status: 503, RetryAfter: secondsAhead, Times: 1}, requests: 2, mails: 1},
		{name: "503 retry-after exhausted", call: callRequestReset, fault: standin.Fault{Status: 503, RetryAfter: secondsAhead}, kind: kindAPI, status: 503, is: ErrNotSent, requests: 3},
		{name: "503 without retry-after", call: callRequestReset, fault: standin.Fault{Status: 503, Times: 1}, kind: kindAPI, status: 503, is: ErrOutcomeUnknown, requests: 1},
		{name: "500", call: callRequestReset, fault: standin.Fault{Status: 500, Times: 1}, kind: kindAPI, status: 500, is: ErrOutcomeUnknown, requests: 1},
		{name: "502", call: callRequestReset, fault: standin.Fault{Status: 502, Times: 1}, kind: kindAPI, status: 502, is: ErrOutcomeUnknown, requests: 1},
		{name: "504", call: callRequestReset, fault: standin.Fault{Status: 504, Times: 1}, kind: kindAPI, status: 504, is: ErrOutcomeUnknown, requests: 1},
		{name: "drop", call: callRequestReset, fault: standin.Fault{Drop: true, Times: 1}, kind: kindTransport, is: ErrOutcomeUnknown, requests: 1},
		{name: "timeout", call: callRequestReset, fault: standin.Fault{Delay: faultDelay, Times: 1}, kind: kindTransport, is: ErrOutcomeUnknown, requests: 1},
		{name: "html 502", call: callRequestReset, fault: htmlFault(502, 1), kind: kindAPI, status: 502, is: ErrOutcomeUnknown, requests: 1},
		{name: "oversized body", call: callRequestReset, fault: oversize, kind: kindResponse, status: 200, is: ErrOutcomeUnknown, requests: 1},
		{name: "redirect", call: callRequestReset, fault: redirect, kind: kindResponse, status: 307, requests: 1},
		{name: "acted then 500", call: callRequestReset, fault: standin.Fault{Status: 500, AfterAction: true, Times: 1}, kind: kindAPI, status: 500, is: ErrOutcomeUnknown, requests: 1, mails: 1},
		{name: "acted then 504", call: callRequestReset, fault: standin.Fault{Status: 504, AfterAction: true, Times: 1}, kind: kindAPI, status: 504, is: ErrOutcomeUnknown, requests: 1, mails: 1},
		{name: "acted then drop", call: callRequestReset, fault: standin.Fault{Drop: true, AfterAction: true, Times: 1}, kind: kindTransport, is: ErrOutcomeUnknown, requests: 1, mails: 1},
		{name: "acted then timeout", call: callRequestReset, fault: standin.Fault{Delay: faultDelay, AfterAction: true, Times: 1}, kind: kindTransport, is: ErrOutcomeUnknown, requests: 1, mails: 1},

		// Finishing a reset is a POST as well, but after an ambiguous failure
		// the client probes the token: still valid means the password was not
		// changed, and the POST is sent once more.
		{name: "429 seconds once", call: callFinishReset, fault: standin.Fault{Status: 429, RetryAfter: secondsAhead, Times: 1}, requests: 2, changed: true},
		{name: "429 date once", call: callFinishReset, fault: standin.Fault{Status: 429, RetryAfter: dateAhead, Times: 1}, requests: 2, changed: true},
		{name: "429 until the deadline", call: callFinishReset, fault: standin.Fault{Status: 429, RetryAfter: secondsAhead}, deadline: time.Second, kind: kindTransport, is: ErrNotSent, rateLimited: true, requests: 2, atLeast: true},
		{name: "503 retry-after once", call: callFinishReset, fault: standin.Fault{Status: 503, RetryAfter: secondsAhead, Times: 1}, requests: 2, changed: true},
		{name: "503 retry-after exhausted", call: callFinishReset, fault: standin.Fault{Status: 503, RetryAfter: secondsAhead}, kind: kindAPI, status: 503, is: ErrNotSent, requests: 3},
		{name: "503 once", call: callFinishReset, fault: standin.Fault{Status: 503, Times: 1}, requests: 2, probes: 1, changed: true},
		{name: "503 again after probe", call: callFinishReset, fault: standin.Fault{Status: 503}, kind: kindAPI, status: 503, is: ErrOutcomeUnknown, requests: 2, probes: 1},
		{name: "500 once", call: callFinishReset, fault: standin.Fault{Status: 500, Times: 1}, requests: 2, probes: 1, changed: true},
		{name: "500 again after probe", call: callFinishReset, fault: standin.Fault{Status: 500}, kind: kindAPI, status: 500, is: ErrOutcomeUnknown, requests: 2, probes: 1},
		{name: "502 once", call: callFinishReset, fault: standin.Fault{Status: 502, Times: 1}, requests: 2, probes: 1, changed: true},
		{name: "504 again after probe", call: callFinishReset, fault: standin.Fault{Status: 504}, kind: kindAPI, status: 504, is: ErrOutcomeUnknown, requests: 2, probes: 1},
		{name: "drop once", call: callFinishReset, fault: standin.Fault{Drop: true, Times: 1}, requests: 2, probes: 1, changed: true},
		{name: "drop again after probe", call: callFinishReset, fault: standin.Fault{Drop: true}, kind: kindTransport, is: ErrOutcomeUnknown, requests: 2, probes: 1},
		{name: "timeout once", call: callFinishReset, fault: standin.Fault{Delay: faultDelay, Times: 1}, requests: 2, probes: 1, changed: true},
		{name: "timeout again after probe", call: callFinishReset, fault: standin.Fault{Delay: faultDelay}, kind: kindTransport, is: ErrOutcomeUnknown, requests: 2, probes: 1},
		{name: "html 500 once", call: callFinishReset, fault: htmlFault(500, 1), requests: 2, probes: 1, changed: true},
		{name: "oversized body", call: callFinishReset, fault: oversize, kind: kindResponse, status: 200, is: ErrOutcomeUnknown, requests: 2, probes: 1},
		{name: "redirect", call: callFinishReset, fault: redirect, kind: kindResponse, status: 307, requests: 1},
		{name: "acted then 500", call: callFinishReset, fault: standin.Fault{Status: 500, AfterAction: true, Times: 1}, kind: kindAPI, status: 500, is: ErrTokenProbablyConsumed, requests: 1, probes: 1, changed: true},
		{name: "acted then 502", call: callFinishReset, fault: standin.Fault{Status: 502, AfterAction: true, Times: 1}, kind: kindAPI, status: 502, is: ErrTokenProbablyConsumed, requests: 1, probes: 1, changed: true},
		{name: "acted then drop", call: callFinishReset, fault: standin.Fault{Drop: true, AfterAction: true, Times: 1}, kind: kindTransport, is: ErrTokenProbablyConsumed, requests: 1, probes: 1, changed: true},
		{name: "acted then timeout", call: callFinishReset, fault: standin.Fault{Delay: faultDelay, AfterAction: true, Times: 1}, kind: kindTransport, is: ErrTokenProbablyConsumed, requests: 1, probes: 1, changed: true},
	}
}

// newFaultAPI starts a stand-in with Ada's account and faultToken issued.
func newFaultAPI(t *testing.T) *standin.Server {
	t.Helper()
	api := newTestAPI(t)
	if err := api.IssueToken(testEmail, faultToken); err != nil {
		t.Fatal(err)
	}
	return api
}

func newFaultClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func faultConfig(endpoint string) Config {
	return Config{
		Endpoint:     endpoint,
		Timeout:      faultTimeout,
		MaxAttempts:  3,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: faultMaxWait,
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range faultRows() {
		t.Run(tc.call.String()+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFaultAPI(t)
			api.InjectFault(tc.call.endpoint(), tc.fault)
			c := newFaultClient(t, faultConfig(api.URL()))
			mailsBefore := len(api.Outbox())

			ctx := t.Context()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			err := tc.call.run(ctx, c)

			checkFaultError(t, err, tc)
			checkNoSecrets(t, err)
			want := map[standin.Endpoint]int{tc.call.endpoint(): tc.requests}
			if tc.call == callFinishReset {
				want[standin.EndpointVerifyToken] = tc.probes
			}
			for _, ep := range []standin.Endpoint{standin.EndpointRequestReset, standin.EndpointVerifyToken, standin.EndpointFinishReset, standin.EndpointOther} {
				atLeast := tc.atLeast && ep == tc.call.endpoint()
				if got := api.Count(ep); got != want[ep] && (!atLeast || got < want[ep]) {
					t.Errorf("server saw %d %s requests, want %d", got, ep, want[ep])
				}
			}
			if got := len(api.Outbox()) - mailsBefore; got != tc.mails {
				t.Errorf("%d mails sent, want %d", got, tc.mails)
			}
			acct, _ := api.Account(testEmail)
			if changed := acct.Password == faultPassword; changed != tc.changed {
				t.Errorf("password changed: %t, want %t", changed, tc.changed)
			}
		})
	}
}

// checkFaultError checks err against the row's expected type, status and
// sentinel, and that no sentinel matches that should not.
func checkFaultError(t *testing.T, err error, tc faultRow) {
	t.Helper()
	if tc.kind == kindNone {
		if err != nil {
			t.Fatalf("got error %v, want success", err)
		}
		return
	}
	if err == nil {
		t.Fatal("got success, want an error")
	}
	var (
		apiErr       *APIError
		transportErr *TransportError
		responseErr  *ResponseError
	)
	switch tc.kind {
	case kindAPI:
		if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
			t.Errorf("got %T %v, want an *APIError with status %d", err, err, tc.status)
		}
	case kindTransport:
		if !errors.As(err, &transportErr) {
			t.Errorf("got %T %v, want a *TransportError", err, err)
		}
	case kindResponse:
		if !errors.As(err, &responseErr) || responseErr.StatusCode != tc.status {
			t.Errorf("got %T %v, want a *ResponseError with status %d", err, err, tc.status)
		}
	}
	if apiErr != nil && tc.fault.ContentType == "text/html" && apiErr.Message != "" {
		t.Errorf("message %q taken from an HTML page", apiErr.Message)
	}
	// A consumed token is reported as an unknown outcome too.
	consumed := errors.Is(tc.is, ErrTokenProbablyConsumed)
	unknown := consumed || errors.Is(tc.is, ErrOutcomeUnknown)
	if got := errors.Is(err, ErrOutcomeUnknown); got != unknown {
		t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %t, want %t", err, got, unknown)
	}
	if got, want := errors.Is(err, ErrRateLimited), tc.rateLimited || errors.Is(tc.is, ErrRateLimited); got != want {
		t.Errorf("errors.Is(%v, ErrRateLimited) = %t, want %t", err, got, want)
	}
	if got, want := errors.Is(err, ErrNotSent), errors.Is(tc.is, ErrNotSent); got != want {
		t.Errorf("errors.Is(%v, ErrNotSent) = %t, want %t", err, got, want)
	}
	if got := errors.Is(err, ErrTokenProbablyConsumed); got != consumed {
		t.Errorf("errors.Is(%v, ErrTokenProbablyConsumed) = %t, want %t", err, got, consumed)
	}
}

// checkNoSecrets fails when err's message holds the test token or password in
// any of the forms a URL or body could carry them.
func checkNoSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, secret := range []string{faultToken, faultPassword} {
		for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret)} {
			if strings.Contains(msg, form) {
				t.Errorf("error %q contains the secret %q", msg, form)
			}
		}
	}
	if strings.Contains(msg, "SECRET") {
		t.Errorf("error %q contains part of a secret", msg)
	}
}

// countingTransport counts the requests the client hands to the network.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (ct *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ct.n.Add(1)
	return ct.next.RoundTrip(req)
}

// TestConnectionRefused checks that a refused connection, which proves the
// server never saw the request, is retried by every call, the POSTs included,
// and is not reported as an unknown outcome.
func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String() + "/rest"
	_ = ln.Close() // Nothing listens there now: connections are refused.

	for _, call := range []faultCall{callRequestReset, callVerifyToken, callFinishReset} {
		t.Run(call.String(), func(t *testing.T) {
			ct := &countingTransport{next: cleanhttp.DefaultTransport()}
			cfg := faultConfig(endpoint)
			cfg.Transport = ct
			err := call.run(t.Context(), newFaultClient(t, cfg))

			var te *TransportError
			if !errors.As(err, &te) {
				t.Fatalf("got %T %v, want a *TransportError", err, err)
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("got %v: a refused connection is a certain outcome", err)
			}
			if te.Attempts != 3 {
				t.Errorf("TransportError.Attempts = %d, want 3", te.Attempts)
			}
			// A finish-reset that was never sent needs no probe: three
			// requests, all to the finish endpoint.
			if n := ct.n.Load(); n != 3 {
				t.Errorf("client sent %d requests, want 3", n)
			}
			checkNoSecrets(t, err)
		})
	}
}

// TestRetryAfterIsCapped calls backoff with crafted responses: a server may
// ask for any wait, but never gets more than MaxRetryWait nor less than
// MinRetryWait.
func TestRetryAfterIsCapped(t *testing.T) {
	const minWait, maxWait = 10 * time.Millisecond, 50 * time.Millisecond
	for _, tc := range []struct {
		status     int
		retryAfter string
		want       time.Duration
	}{
		{http.StatusTooManyRequests, "3600", maxWait},
		{http.StatusServiceUnavailable, "3600", maxWait},
		{http.StatusTooManyRequests, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), maxWait},
		{http.StatusServiceUnavailable, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), maxWait},
		{http.StatusTooManyRequests, "99999999999999999999999", maxWait},
		{http.StatusTooManyRequests, "0", minWait},
		{http.StatusServiceUnavailable, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), minWait},
	} {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{"Retry-After": {tc.retryAfter}}}
		for attempt := range 5 {
			if got := backoff(minWait, maxWait, attempt, resp); got != tc.want {
				t.Errorf("backoff(%d, Retry-After %q, attempt %d) = %v, want %v", tc.status, tc.retryAfter, attempt, got, tc.want)
			}
		}
	}
}

// firstRetrySignal is a Logger that closes retrying when the client first
// logs that it will retry, that is just before it starts to wait.
type firstRetrySignal struct {
	once     sync.Once
	retrying chan struct{}
}

func (l *firstRetrySignal) Debug(context.Context, string, map[string]any) {}

func (l *firstRetrySignal) Warn(context.Context, string, map[string]any) {
	l.once.Do(func() { close(l.retrying) })
}

// hangGuard bounds how long a test waits for a call that must return once
// cancelled. It only catches hangs; it says nothing about speed.
const hangGuard = 5 * time.Second

// TestCancelDuringBackoff cancels each call while it waits out a 60-second
// Retry-After after a 429 (the pacer's shared pause). The wait must end at once with context.Canceled,
// and since the server refused the only request it saw, the POSTs must not
// claim an unknown outcome.
func TestCancelDuringBackoff(t *testing.T) {
	for _, call := range []faultCall{callRequestReset, callVerifyToken, callFinishReset} {
		t.Run(call.String(), func(t *testing.T) {
			t.Parallel()
			api := newFaultAPI(t)
			api.InjectFault(call.endpoint(), standin.Fault{Status: http.StatusTooManyRequests, RetryAfter: "60"})
			signal := &firstRetrySignal{retrying: make(chan struct{})}
			cfg := faultConfig(api.URL())
			cfg.MaxRetryWait = 60 * time.Second
			cfg.Logger = signal
			c := newFaultClient(t, cfg)
			mailsBefore := len(api.Outbox())

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- call.run(ctx, c) }()

			guard := time.NewTimer(hangGuard)
			defer guard.Stop()
			select {
			case <-signal.retrying:
			case err := <-done:
				t.Fatalf("call returned %v before retrying", err)
			case <-guard.C:
				t.Fatal("the client never decided to retry")
			}
			time.Sleep(50 * time.Millisecond) // Well inside the 60 s wait.
			cancel()

			var err error
			select {
			case err = <-done:
			case <-guard.C:
				t.Fatal("the call did not return after it was cancelled")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("got %v: the server refused the only request with 429, so the outcome is known", err)
			}
			checkNoSecrets(t, err)
			if n := api.Count(call.endpoint()); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
			if call == callFinishReset {
				if n := api.Count(standin.EndpointVerifyToken); n != 0 {
					t.Errorf("server saw %d verify probes, want 0", n)
				}
			}
			if n := len(api.Outbox()) - mailsBefore; n != 0 {
				t.Errorf("%d mails sent, want 0", n)
			}
			if acct, _ := api.Account(testEmail); acct.Password == faultPassword {
				t.Error("the password was changed")
			}
		})
	}
}

// TestCancelInFlight is the counterpart: a POST cancelled while the server
// holds it may have been acted on, so its outcome is unknown; a GET's is not.
func TestCancelInFlight(t *testing.T) {
	for _, call := range []faultCall{callRequestReset, callVerifyToken, callFinishReset} {
		t.Run(call.String(), func(t *testing.T) {
			t.Parallel()
			api := newFaultAPI(t)
			api.InjectFault(call.endpoint(), standin.Fault{Delay: time.Minute})
			cfg := faultConfig(api.URL())
			cfg.Timeout = time.Minute
			c := newFaultClient(t, cfg)

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- call.run(ctx, c) }()

			// The server counts a request once it has read it, so from then
			// on the request is in flight.
			deadline := time.Now().Add(hangGuard)
			for api.Count(call.endpoint()) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			cancel()

			guard := time.NewTimer(hangGuard)
			defer guard.Stop()
			var err error
			select {
			case err = <-done:
			case <-guard.C:
				t.Fatal("the call did not return after it was cancelled")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			if got, want := errors.Is(err, ErrOutcomeUnknown), call != callVerifyToken; got != want {
				t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %t, want %t", err, got, want)
			}
			checkNoSecrets(t, err)
			if n := api.Count(call.endpoint()); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}
