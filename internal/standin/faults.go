package standin

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Endpoint names one of the API operations the stand-in serves. Journal
// entries, counts and faults are keyed by it.
type Endpoint string

// The endpoints of the password-reset API, and EndpointOther for every request
// that matches none of them (unknown paths and wrong methods).
const (
	EndpointRequestReset Endpoint = "request_reset"
	EndpointVerifyToken  Endpoint = "verify_token"
	EndpointFinishReset  Endpoint = "finish_reset"
	EndpointOther        Endpoint = "other"
)

// valid reports whether e is one of the declared endpoints.
func (e Endpoint) valid() bool {
	switch e {
	case EndpointRequestReset, EndpointVerifyToken, EndpointFinishReset, EndpointOther:
		return true
	}
	return false
}

// Fault describes a misbehaviour to inject on one endpoint, so that a client's
// retries, timeouts and error handling can be tested against failures the real
// API produces only rarely. A Fault whose only setting is Delay slows requests
// down and then handles them normally.
type Fault struct {
	// Status is answered instead of the real handling, e.g. 429, 500 or 503.
	Status int
	// RetryAfter is sent as the Retry-After header exactly as given ("2" or an
	// HTTP-date); empty sends no header.
	RetryAfter string
	// Body is sent with Status. Empty sends the API's JSON error shape; set it
	// to send HTML or malformed JSON.
	Body string
	// ContentType defaults to application/json.
	ContentType string
	// Delay is slept before answering. A cancelled request (client gone or
	// server closing) ends the sleep, so the server never hangs on shutdown.
	Delay time.Duration
	// Drop hijacks the connection and closes it without writing a response.
	Drop bool
	// AfterAction performs the real action first (sends the mail, consumes the
	// token) and only then delays and answers with the fault: the ambiguous
	// failure in which the server did act although the client saw an error.
	AfterAction bool
	// Times limits the fault to this many requests; 0 means every matching one.
	Times int
	// Every, when above 0, applies the fault only to requests Every, 2*Every, …
	// of those reaching the endpoint: a deterministic "one in N fails".
	Every int
	// RedirectTo answers 307 Temporary Redirect with this Location.
	RedirectTo string
	// OversizeBody, when above 0, answers Status (default 200) with a body of
	// this many bytes, to test that clients bound what they read.
	OversizeBody int
}

// FaultHeader is set on every answer that an injected Fault wrote.
const FaultHeader = "X-Standin-Fault"

// answers reports whether the fault replaces the real answer; a fault that
// does not only delays.
func (f Fault) answers() bool {
	return f.Drop || f.RedirectTo != "" || f.OversizeBody > 0 || f.Status != 0
}

// faultState is an injected fault with the counters that Times and Every need.
type faultState struct {
	fault   Fault
	seen    int // requests that reached the endpoint since injection
	applied int // requests the fault was applied to
}

// take counts one request and reports whether the fault applies to it.
func (fs *faultState) take() bool {
	fs.seen++
	if fs.fault.Every > 0 && fs.seen%fs.fault.Every != 0 {
		return false
	}
	if fs.fault.Times > 0 && fs.applied >= fs.fault.Times {
		return false
	}
	fs.applied++
	return true
}

// sleep waits for d or until ctx ends, and reports whether the full d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeFault answers with the fault and returns the status written, 0 for a
// dropped connection.
func writeFault(w http.ResponseWriter, f Fault) int {
	if f.Drop {
		drop(w)
		return 0
	}
	h := w.Header()
	// Marks the answer as injected, so that a test's contract checker can
	// tell deliberate misbehaviour from the stand-in's own answers, which
	// must all keep to the contract. Clients ignore unknown headers.
	h.Set(FaultHeader, "injected")
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.RedirectTo != "":
		h.Set("Location", f.RedirectTo)
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusTemporaryRedirect)
		return http.StatusTemporaryRedirect
	case f.OversizeBody > 0:
		status := cmp.Or(f.Status, http.StatusOK)
		h.Set("Content-Type", cmp.Or(f.ContentType, contentTypeJSON))
		h.Set("Content-Length", strconv.Itoa(f.OversizeBody))
		w.WriteHeader(status)
		writeRepeated(w, cmp.Or(f.Body, "x"), f.OversizeBody)
		return status
	default:
		a := errorAnswer(f.Status, http.StatusText(f.Status))
		if f.Body != "" {
			a.body = []byte(f.Body)
		}
		a.header.Set("Content-Type", cmp.Or(f.ContentType, contentTypeJSON))
		return writeAnswer(w, a)
	}
}

// writeRepeated writes n bytes of pattern repeated, in chunks, so that a large
// OversizeBody does not need to be held in memory at once.
func writeRepeated(w http.ResponseWriter, pattern string, n int) {
	// A whole number of patterns per chunk keeps the pattern intact across chunks.
	chunk := []byte(strings.Repeat(pattern, max(1, 32<<10/len(pattern))))
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

// drop closes the connection without a response. Where the connection cannot
// be hijacked (HTTP/2, recorders) the handler aborts instead, which net/http
// turns into a reset stream or closed connection as well.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
