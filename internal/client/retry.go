package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// callInfo travels in the request context so that the retry policy, which
// retryablehttp calls with only a context and a response, knows what kind of
// call it is judging.
type callInfo struct {
	op         Operation
	idempotent bool
	// secrets are the call's secrets (its token, its new password), so that
	// log lines written on the way, not only the returned error, are
	// scrubbed of them.
	secrets []string
	// attempts counts the attempts of this call (set by the request hook);
	// requests refused with 429 and sent again do not count.
	attempts int
	// throttled counts the 429 answers this call waited out.
	throttled int
	// sent tells whether the latest attempt got a connection to the server,
	// after which its bytes may have reached it. Before that (queued in the
	// pacer, dialing, waiting for a pooled connection, or waiting for a retry
	// after a refusal) a call that ends is known not to have been acted on.
	// Atomic: the connection hook may run on a transport goroutine.
	sent atomic.Bool
}

type callInfoKey struct{}

func withCallInfo(ctx context.Context, ci *callInfo) context.Context {
	return context.WithValue(ctx, callInfoKey{}, ci)
}

func callInfoFrom(ctx context.Context) *callInfo {
	if ci, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		return ci
	}
	// Unknown calls are treated as unsafe to repeat.
	return &callInfo{}
}

// checkRetry is the retry policy. GETs are safe to repeat, so every transient
// failure is retried. The POSTs send a mail or change a password and are not
// idempotent: they are repeated only when the server certainly did not act on
// them (the connection was never made, or 503 with Retry-After, which servers
// send before doing any work). A 429 never reaches this policy: the paced
// transport waits it out without using up an attempt.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if errors.Is(err, errNotHandedOver) {
		// The pacer already waited as long as the deadline allows; its
		// error says why, which the context's error alone would not.
		return false, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	ci := callInfoFrom(ctx)
	if err != nil {
		if ci.idempotent || notSent(err) {
			return true, nil
		}
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusServiceUnavailable:
		return ci.idempotent || resp.Header.Get("Retry-After") != "", nil
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return ci.idempotent, nil
	}
	return false, nil
}

// notSent reports whether err proves that the request never reached the
// server: the connection could not be opened at all.
func notSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoff returns how long to wait before the next attempt. A Retry-After
// header on 429 and 503 wins, capped at max so that a server cannot stall a
// run for longer than the person configured. Otherwise it is exponential
// backoff with jitter, so that many parallel callers do not retry in step.
func backoff(minWait, maxWait time.Duration, attemptNum int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(max(d, minWait), maxWait)
		}
	}
	wait := minWait
	for i := 0; i < attemptNum && wait < maxWait; i++ {
		wait *= 2
	}
	wait = min(wait, maxWait)
	if wait <= 0 {
		return 0
	}
	// Full jitter in the upper half keeps the wait at least half the
	// exponential value while spreading parallel callers apart.
	half := wait / 2
	return half + rand.N(half+1) //nolint:gosec // Jitter needs no cryptographic randomness.
}

// maxRetryAfter bounds parsed Retry-After values so that absurd headers
// cannot overflow a time.Duration; callers cap the wait further.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header in either of its forms:
// delay-seconds or an HTTP-date (RFC 9110, section 10.2.3). A date in the past
// means no wait. It reports false for a missing or malformed value.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if value[0] >= '0' && value[0] <= '9' {
		secs, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			// All digits but too large to parse is still a valid, huge delay.
			if errors.Is(err, strconv.ErrRange) {
				return maxRetryAfter, true
			}
			return 0, false
		}
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		return 0, true
	}
	return min(d, maxRetryAfter), true
}
