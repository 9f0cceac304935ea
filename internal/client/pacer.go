package client

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// errNotHandedOver reports that a request never left the pacer: its context
// ended, or its deadline would pass before its turn came. The server cannot
// have seen it, so the call's outcome is known (nothing happened).
var errNotHandedOver = errors.New("the request was not sent")

// pacer is the one gate every request of a client passes, whichever resource
// or data source sends it: a token-bucket rate limit, a bound on requests in
// flight, and a shared pause that a 429 sets so that all callers slow down
// together instead of each one hammering the server on its own schedule.
//
// When no rate is configured the pacer is adaptive: it starts unlimited and,
// from the first 429 on, sends at a rate it learns from the server (see
// throttled and growLocked).
type pacer struct {
	limiter  *rate.Limiter
	adaptive bool
	slots    chan struct{} // nil when unbounded
	now      func() time.Time

	mu         sync.Mutex
	pauseUntil time.Time
	// Adaptive state, guarded by mu.
	probing      bool        // growing fast after the first 429
	lastCut      time.Time   // when the rate was last lowered
	lastDenied   time.Time   // when the rate last held a caller back
	recentOK     []time.Time // when answers other than 429 arrived, the last second of them
	recentSent   []time.Time // when requests were handed to the network, the last second of them
	firstBurst   float64     // answers that got through before the first 429: the server's burst, roughly
	episodeStart time.Time   // when the pause of the last cut ended
	episodeOK    int         // answers that got through since episodeStart
	throttles    int         // 429 answers seen, for tests and logs
	lowestRate   float64     // the lowest adaptive rate set so far, for tests and logs
}

// Adaptive pacing constants. They are a compromise between finding a limit
// quickly (a wave of mails should not crawl) and not provoking a 429 every
// few seconds once the limit is known (each one stops every caller for the
// server's Retry-After).
const (
	// minAdaptiveRate is the slowest the adaptive pacer ever goes.
	minAdaptiveRate = 0.5
	// probeStep is how much the rate (per second) grows with every answer
	// that gets through after the first 429, like TCP's slow start: while
	// the pacer holds callers back this doubles the rate about every
	// ln(2)/probeStep seconds.
	probeStep = 3.0
	// steadyStep is the same once a second 429 has shown roughly where the
	// limit is: about 3% a second at 40 requests a second.
	steadyStep = 0.03
	// growthNeedsDenial: the rate grows only while it holds callers back,
	// so that it does not climb far above what is really being sent.
	growthNeedsDenial = time.Second
	// cutFactor is what a 429 leaves of the rate estimate that provoked it.
	cutFactor = 0.9
	// rateWindow is how far back answers count as the server's pace.
	rateWindow = time.Second
)

func newPacer(requestsPerSecond float64, burst, maxConcurrent int) *pacer {
	p := &pacer{now: time.Now}
	if requestsPerSecond > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(requestsPerSecond), max(burst, 1))
	} else {
		p.adaptive = true
		p.limiter = rate.NewLimiter(rate.Inf, 1)
		p.lowestRate = math.Inf(1)
	}
	if maxConcurrent > 0 {
		p.slots = make(chan struct{}, maxConcurrent)
	}
	return p
}

// acquire waits for the shared pause, a rate-limit token and a free slot, in
// that order, and returns the function that frees the slot; it never returns
// a nil function without an error. It fails with an error wrapping
// errNotHandedOver when ctx ends first or its deadline would pass before the
// request's turn comes: then nothing was sent.
func (p *pacer) acquire(ctx context.Context) (func(), error) {
	if err := p.takeTurn(ctx); err != nil {
		return nil, err
	}
	if p.slots == nil {
		return func() {}, nil
	}
	select {
	case p.slots <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-p.slots }) }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", errNotHandedOver, ctx.Err())
	}
}

// takeTurn waits until no pause is set and a rate-limit token is free. A
// pause set while the caller waited for its token sends it back to wait
// for the pause: nothing goes out while the server asked everyone to wait.
func (p *pacer) takeTurn(ctx context.Context) error {
	deadline, hasDeadline := ctx.Deadline()
	for {
		p.mu.Lock()
		until := p.pauseUntil
		p.mu.Unlock()
		if wait := until.Sub(p.now()); wait > 0 {
			if hasDeadline && until.After(deadline) {
				return fmt.Errorf("%w: the server asked to pause until after this call's deadline", errNotHandedOver)
			}
			if err := sleepCtx(ctx, wait); err != nil {
				return fmt.Errorf("%w: %w", errNotHandedOver, err)
			}
			continue
		}
		if p.adaptive {
			// The adaptive rate changes while callers wait, so they poll
			// instead of holding reservations made at an older rate.
			if !p.limiter.Allow() {
				p.mu.Lock()
				p.lastDenied = p.now()
				p.mu.Unlock()
				interval := time.Duration(float64(time.Second) / max(p.currentRate(), minAdaptiveRate))
				if err := sleepCtx(ctx, min(interval, 20*time.Millisecond)); err != nil {
					return fmt.Errorf("%w: %w", errNotHandedOver, err)
				}
				continue
			}
		} else if err := p.limiter.Wait(ctx); err != nil {
			// Wait also refuses, without waiting, when the token would come
			// after ctx's deadline; ctx.Err is still nil then.
			return fmt.Errorf("%w: no rate-limit token before this call's deadline", errNotHandedOver)
		}
		p.mu.Lock()
		paused := p.now().Before(p.pauseUntil)
		p.mu.Unlock()
		if !paused {
			return nil
		}
	}
}

// pause holds every caller back for d (at least until a pause already set
// runs out).
func (p *pacer) pause(d time.Duration) {
	until := p.now().Add(d)
	p.mu.Lock()
	if until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
	p.mu.Unlock()
}

// handedOver records that a request is about to go to the network.
func (p *pacer) handedOver() {
	if !p.adaptive {
		return
	}
	now := p.now()
	p.mu.Lock()
	p.recentSent = append(prune(p.recentSent, now), now)
	p.mu.Unlock()
}

// accepted records an answer that was not a 429: the server kept pace with
// that request, which is what the adaptive rate is learned from.
func (p *pacer) accepted() {
	if !p.adaptive {
		return
	}
	now := p.now()
	p.mu.Lock()
	p.recentOK = append(prune(p.recentOK, now), now)
	if !now.Before(p.episodeStart) {
		p.episodeOK++
	}
	p.growLocked(now)
	p.mu.Unlock()
}

// growLocked raises an adaptive rate by one answer's worth (see probeStep
// and steadyStep), but only while the rate is what holds callers back.
func (p *pacer) growLocked(now time.Time) {
	if p.limiter.Limit() == rate.Inf || now.Sub(p.lastDenied) > growthNeedsDenial {
		return
	}
	step := steadyStep
	if p.probing {
		step = probeStep
	}
	p.limiter.SetLimitAt(now, p.limiter.Limit()+rate.Limit(step))
}

// prune drops the times older than rateWindow.
func prune(times []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(times) && now.Sub(times[i]) > rateWindow {
		i++
	}
	return times[i:]
}

// throttled handles a 429 for a request handed to the network at sentAt:
// it pauses every caller for the server's Retry-After (capped at maxPause),
// and an adaptive pacer lowers its rate:
//
//   - The first 429 sets the rate to what got through in the last second
//     (roughly the server's burst), unless the client sent at most one
//     request in that second: then its own pace cannot be the cause.
//   - While probing, the rate grows fast (probeStep) until the next 429. After the pause the server's bucket is full again, so what got
//     through since then, less the first burst, over the time it took, is
//     the server's rate. The new rate is a little below that, or below half
//     the refused rate if that is higher.
//   - After that, each 429 cuts the rate to a little below what got through
//     in the last second, and the rate grows slowly (steadyStep).
//
// A 429 for a request sent before the last cut says nothing new (it was sent
// at the old rate), so it lowers nothing again.
func (p *pacer) throttled(sentAt time.Time, retryAfter, maxPause time.Duration) {
	p.pause(min(retryAfter, maxPause))
	if !p.adaptive {
		return
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.throttles++
	if !p.lastCut.IsZero() && sentAt.Before(p.lastCut) {
		return
	}
	p.recentOK = prune(p.recentOK, now)
	p.recentSent = prune(p.recentSent, now)
	measured := float64(len(p.recentOK)) / rateWindow.Seconds()
	var next float64
	switch {
	case p.limiter.Limit() == rate.Inf:
		if len(p.recentSent) <= 1 {
			return
		}
		p.firstBurst = float64(len(p.recentOK))
		next, p.probing = measured, true
	case p.probing:
		var estimate float64
		if elapsed := now.Sub(p.episodeStart).Seconds(); elapsed > 0.05 {
			estimate = (float64(p.episodeOK) - p.firstBurst) / elapsed
		}
		// Half the refused rate, as TCP halves its window, guards against
		// an estimate spoiled by scheduling jitter at the server.
		next, p.probing = max(measured, estimate, float64(p.limiter.Limit())/2)*cutFactor, false
	default:
		next = min(float64(p.limiter.Limit()), measured) * cutFactor
	}
	next = max(next, minAdaptiveRate)
	p.limiter.SetLimitAt(now, rate.Limit(next))
	p.lowestRate = min(p.lowestRate, next)
	p.lastCut = now
	p.episodeStart, p.episodeOK = p.pauseUntil, 0
}

// currentRate is the pacer's rate in requests per second (+Inf when
// unlimited).
func (p *pacer) currentRate() float64 {
	return float64(p.limiter.Limit())
}

// describeRate is currentRate for a log line (JSON has no infinity).
func (p *pacer) describeRate() string {
	if p.limiter.Limit() == rate.Inf {
		return "unlimited"
	}
	return strconv.FormatFloat(p.currentRate(), 'f', 1, 64) + "/s"
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pacedTransport applies a pacer to every round trip, retries included, and
// the per-attempt timeout, which starts only when the request is handed to
// the network: time spent waiting for a rate-limit token or a free slot is
// bounded by the call's own context, not by the attempt timeout.
//
// A 429 is answered here, below the retry policy: the server refused before
// doing anything, so the request waits for the shared pause and is sent
// again for as long as the call's deadline allows, without using up the
// attempts meant for errors.
type pacedTransport struct {
	next     http.RoundTripper
	pacer    *pacer
	timeout  time.Duration // per attempt; 0 means none
	maxPause time.Duration
	log      Logger
	// maxThrottledWait bounds how long a call without a deadline keeps
	// waiting out 429 answers.
	maxThrottledWait time.Duration
}

// defaultMaxThrottledWait bounds the 429 loop of a call that has no deadline
// of its own.
const defaultMaxThrottledWait = 15 * time.Minute

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	ci := callInfoFrom(ctx)
	// A call without a deadline still must not wait out 429 answers forever.
	callCancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, callCancel = context.WithTimeout(ctx, cmp.Or(t.maxThrottledWait, defaultMaxThrottledWait))
	}
	for {
		ci.sent.Store(false)
		release, err := t.pacer.acquire(ctx)
		if err != nil {
			callCancel()
			if ci.throttled > 0 {
				err = fmt.Errorf("%w: the server answered 429 %d time(s) and the call's deadline came first: %w", ErrRateLimited, ci.throttled, err)
			}
			return nil, err
		}
		attemptCtx, attemptCancel := ctx, context.CancelFunc(func() {})
		if t.timeout > 0 {
			attemptCtx, attemptCancel = context.WithTimeout(ctx, t.timeout)
		}
		// Sent from the moment a connection is in hand: before that no byte
		// can have reached the server, so a timeout while dialing or waiting
		// for a pooled connection is not an unknown outcome. Marking it at
		// the connection, not at the first byte written, errs only towards
		// "unknown".
		attemptCtx = httptrace.WithClientTrace(attemptCtx, &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { ci.sent.Store(true) },
		})
		t.pacer.handedOver()
		sentAt := t.pacer.now()
		resp, err := t.next.RoundTrip(req.WithContext(attemptCtx))
		if err != nil {
			attemptCancel()
			callCancel()
			release()
			return nil, err
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			t.pacer.accepted()
			// The attempt's timeout also covers reading the body, as
			// http.Client.Timeout would; closing the body ends it.
			resp.Body = &releasingBody{ReadCloser: resp.Body, done: func() {
				attemptCancel()
				callCancel()
				release()
			}}
			return resp, nil
		}

		retryAfter, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			retryAfter = time.Second
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodySize))
		_ = resp.Body.Close()
		attemptCancel()
		release()
		ci.sent.Store(false)
		ci.throttled++
		t.pacer.throttled(sentAt, retryAfter, t.maxPause)
		t.log.Warn(ctx, "CleverMaps API asked to slow down (429); waiting, then sending the request again", map[string]any{
			"operation":   string(ci.op),
			"retry_after": resp.Header.Get("Retry-After"),
			"throttled":   ci.throttled,
			"pacing":      t.pacer.describeRate(),
		})
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				callCancel()
				return nil, fmt.Errorf("%w: rewinding the request body: %w", errNotHandedOver, err)
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// releasingBody runs done once, when the body is closed.
type releasingBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}
