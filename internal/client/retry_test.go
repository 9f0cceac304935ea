package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/hostile"
)

func TestParseRetryAfter(t *testing.T) {
	// Friday, 2 January 2026, 15:04:05 UTC.
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"seconds", "5", 5 * time.Second, true},
		{"zero", "0", 0, true},
		{"leading zeros", "007", 7 * time.Second, true},
		{"surrounding space", "  12\t", 12 * time.Second, true},
		{"one day", "86400", maxRetryAfter, true},
		{"over a day", "86401", maxRetryAfter, true},
		{"huge", "9999999999", maxRetryAfter, true},
		{"beyond uint64", "18446744073709551616", maxRetryAfter, true},
		{"absurdly long", "123456789012345678901234567890123456789", maxRetryAfter, true},
		{"empty", "", 0, false},
		{"blank", "   ", 0, false},
		{"negative", "-1", 0, false},
		{"plus sign", "+5", 0, false},
		{"fraction", "1.5", 0, false},
		{"unit", "5s", 0, false},
		{"two numbers", "5 6", 0, false},
		{"hex", "0x10", 0, false},
		{"garbage", "soon", 0, false},
		{"date in the future", "Fri, 02 Jan 2026 15:05:35 GMT", 90 * time.Second, true},
		{"date now", "Fri, 02 Jan 2026 15:04:05 GMT", 0, true},
		{"date in the past", "Thu, 01 Jan 2026 15:04:05 GMT", 0, true},
		{"date far in the future", "Fri, 31 Dec 9999 23:59:59 GMT", maxRetryAfter, true},
		{"date far in the past", "Mon, 01 Jan 0001 00:00:00 GMT", 0, true},
		{"RFC 850 date", "Friday, 02-Jan-26 15:05:35 GMT", 90 * time.Second, true},
		{"asctime date", "Fri Jan  2 15:05:35 2026", 90 * time.Second, true},
		{"date with another zone name", "Fri, 02 Jan 2026 15:05:35 CET", 0, false},
		{"date without zone", "Fri, 02 Jan 2026 15:05:35", 0, false},
		{"ISO 8601 date", "2026-01-02T15:05:35Z", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseRetryAfter(tc.value, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %t; want %v, %t", tc.value, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// backoffSamples is how often a randomised backoff is drawn per case: enough
// that every value lying in its range is convincing and that a constant
// result would reveal missing jitter.
const backoffSamples = 500

func TestBackoffGrowsIsCappedAndJittered(t *testing.T) {
	const minWait, maxWait = 100 * time.Millisecond, 3 * time.Second
	for _, tc := range []struct {
		attempt int
		full    time.Duration // the exponential value before jitter
	}{
		{0, 100 * time.Millisecond},
		{1, 200 * time.Millisecond},
		{2, 400 * time.Millisecond},
		{3, 800 * time.Millisecond},
		{4, 1600 * time.Millisecond},
		{5, maxWait},
		{6, maxWait},
		{63, maxWait},
		{1000, maxWait},
	} {
		seen := make(map[time.Duration]bool)
		for range backoffSamples {
			got := backoff(minWait, maxWait, tc.attempt, nil)
			if got < tc.full/2 || got > tc.full {
				t.Fatalf("backoff(attempt %d) = %v, want within [%v, %v]", tc.attempt, got, tc.full/2, tc.full)
			}
			seen[got] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(attempt %d) always returned %v: no jitter", tc.attempt, backoff(minWait, maxWait, tc.attempt, nil))
		}
	}
}

func TestBackoffEdgeSettings(t *testing.T) {
	for _, tc := range []struct {
		name             string
		minWait, maxWait time.Duration
		attempt          int
		lo, hi           time.Duration
	}{
		{"no waits", 0, 0, 3, 0, 0},
		{"zero minimum does not grow", 0, time.Second, 5, 0, 0},
		{"equal bounds", time.Second, time.Second, 0, 500 * time.Millisecond, time.Second},
		{"equal bounds later", time.Second, time.Second, 7, 500 * time.Millisecond, time.Second},
		{"largest configurable wait", time.Hour, time.Hour, 1000, 30 * time.Minute, time.Hour},
		{"one nanosecond", time.Nanosecond, time.Nanosecond, 0, 0, time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range backoffSamples {
				if got := backoff(tc.minWait, tc.maxWait, tc.attempt, nil); got < tc.lo || got > tc.hi {
					t.Fatalf("backoff(%v, %v, %d) = %v, want within [%v, %v]", tc.minWait, tc.maxWait, tc.attempt, got, tc.lo, tc.hi)
				}
			}
		})
	}
}

// TestBackoffRetryAfter checks which responses' Retry-After is honoured:
// only a 429's or a 503's, and only a valid one. The others fall back to the
// jittered exponential wait.
func TestBackoffRetryAfter(t *testing.T) {
	const minWait, maxWait = 10 * time.Millisecond, 10 * time.Second
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		exact      time.Duration // 0: expect the exponential wait instead
	}{
		{"429 seconds", http.StatusTooManyRequests, "2", 2 * time.Second},
		{"503 seconds", http.StatusServiceUnavailable, "3", 3 * time.Second},
		{"429 date", http.StatusTooManyRequests, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), maxWait},
		{"429 zero is the minimum", http.StatusTooManyRequests, "0", minWait},
		{"429 past date is the minimum", http.StatusTooManyRequests, "Thu, 01 Jan 1970 00:00:00 GMT", minWait},
		{"429 above the maximum", http.StatusTooManyRequests, "86400", maxWait},
		{"429 malformed", http.StatusTooManyRequests, "later", 0},
		{"429 without header", http.StatusTooManyRequests, "", 0},
		{"503 without header", http.StatusServiceUnavailable, "", 0},
		{"500 ignores the header", http.StatusInternalServerError, "2", 0},
		{"502 ignores the header", http.StatusBadGateway, "2", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			if tc.retryAfter != "" {
				resp.Header.Set("Retry-After", tc.retryAfter)
			}
			const attempt = 2 // exponential: 40 ms, jittered to [20 ms, 40 ms]
			got := backoff(minWait, maxWait, attempt, resp)
			if tc.exact != 0 {
				if got != tc.exact {
					t.Errorf("backoff = %v, want %v", got, tc.exact)
				}
				return
			}
			if got < 20*time.Millisecond || got > 40*time.Millisecond {
				t.Errorf("backoff = %v, want the exponential wait within [20ms, 40ms]", got)
			}
		})
	}
}

// logRecorder is a Logger that keeps every line, fields included, as text.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) record(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %v", level, msg, fields))
}

func (l *logRecorder) Debug(_ context.Context, msg string, fields map[string]any) {
	l.record("DEBUG", msg, fields)
}

func (l *logRecorder) Warn(_ context.Context, msg string, fields map[string]any) {
	l.record("WARN", msg, fields)
}

// TestRetryLogNeverShowsTheToken: a server that echoes the request line in a
// malformed header makes Go's transport error quote the token's path. The
// retry's WARN line must be scrubbed of the call's secrets like the returned
// error is, in every form.
func TestRetryLogNeverShowsTheToken(t *testing.T) {
	const token = "hdr-SECRET t0k+é~"
	log := &logRecorder{}
	cfg := faultConfig(hostile.HeaderEchoServer(t))
	cfg.Logger = log
	c := newFaultClient(t, cfg)

	_, err := c.VerifyResetToken(t.Context(), token)
	var te *TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "malformed MIME header") {
		t.Fatalf("got %T %v, want a *TransportError for the malformed header", err, err)
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	retries := 0
	for _, line := range log.lines {
		if strings.Contains(line, "retrying") && strings.Contains(line, "malformed MIME header") {
			retries++
		}
	}
	if retries == 0 {
		t.Fatalf("no retry line quotes the transport error; the check below would read nothing:\n%s", strings.Join(log.lines, "\n"))
	}
	// Three attempts, two retries: no line announces a retry after the last.
	if retries != 2 {
		t.Errorf("%d retry lines, want 2", retries)
	}
	for _, text := range append(log.lines, err.Error()) {
		for _, form := range []string{token, url.PathEscape(token), url.QueryEscape(token)} {
			if strings.Contains(text, form) {
				t.Errorf("%q shows the token as %q", text, form)
			}
		}
		if strings.Contains(text, "SECRET") {
			t.Errorf("%q shows part of the token", text)
		}
	}
}
