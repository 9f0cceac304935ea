package client

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer is the one gate every request of a client passes, whichever resource
// or data source sends it: a token-bucket rate limit, a bound on requests in
// flight, and a shared pause that a 429 sets so that all callers slow down
// together instead of each one hammering the server on its own schedule.
type pacer struct {
	limiter *rate.Limiter // nil when unlimited
	slots   chan struct{} // nil when unbounded

	mu         sync.Mutex
	pauseUntil time.Time
}

func newPacer(requestsPerSecond float64, burst, maxConcurrent int) *pacer {
	p := &pacer{}
	if requestsPerSecond > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(requestsPerSecond), max(burst, 1))
	}
	if maxConcurrent > 0 {
		p.slots = make(chan struct{}, maxConcurrent)
	}
	return p
}

// acquire waits for the shared pause, a rate-limit token and a free slot, in
// that order, and returns the function that frees the slot. It gives up at
// once when ctx is cancelled.
func (p *pacer) acquire(ctx context.Context) (func(), error) {
	for {
		p.mu.Lock()
		wait := time.Until(p.pauseUntil)
		p.mu.Unlock()
		if wait <= 0 {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	if p.limiter != nil {
		if err := p.limiter.Wait(ctx); err != nil {
			return nil, ctx.Err()
		}
	}
	if p.slots == nil {
		return func() {}, nil
	}
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// pause holds every caller back for d (at least until a pause already set
// runs out).
func (p *pacer) pause(d time.Duration) {
	until := time.Now().Add(d)
	p.mu.Lock()
	if until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
	p.mu.Unlock()
}

// pacedTransport applies a pacer to every round trip, retries included.
type pacedTransport struct {
	next     http.RoundTripper
	pacer    *pacer
	maxPause time.Duration
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ci := callInfoFrom(req.Context())
	ci.sent = false
	release, err := t.pacer.acquire(req.Context())
	if err != nil {
		return nil, err
	}
	ci.sent = true
	resp, err := t.next.RoundTrip(req)
	release()
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			d = time.Second
		}
		t.pacer.pause(min(d, t.maxPause))
	}
	return resp, err
}
