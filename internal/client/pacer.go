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

// Why a request waited in the pacer until its deadline: a pause that a 429
// set, or a rate the pacer learned from 429 answers (both the server's
// doing, reported as ErrRateLimited), or the rate the client was configured
// with (ErrOwnRateLimit).
var (
	errServerPause = errors.New("the server asked to pause until after this call's deadline")
	errLearnedPace = errors.New("the pace learned from the server's 429 answers left no turn before this call's deadline")
)

// pacer is the one gate every request of a client passes, whichever resource
// or data source sends it: a token-bucket rate limit, a bound on requests in
// flight, and a shared pause that a 429 sets so that all callers slow down
// together instead of each one hammering the server on its own schedule.
//
// When no rate is configured the pacer is adaptive: it sends without a limit
// until the first 429, then finds the server's pace with slow start and AIMD
// (additive increase, multiplicative decrease), as TCP finds a window; see
// accepted and throttled.
type pacer struct {
	limiter  *rate.Limiter
	adaptive bool
	slots    chan struct{} // nil when unbounded
	now      func() time.Time

	mu         sync.Mutex
	pauseUntil time.Time
	// Adaptive state beside the limiter's rate, guarded by mu.
	ssthresh  float64   // slow-start threshold: below it the rate grows fast
	lastCut   time.Time // when a 429 last lowered the rate
	throttles int       // 429 answers seen, for tests and logs
}

// Adaptive pacing. TCP counts its window in segments and grows it per
// acknowledgement; the pacer counts its rate in requests per second and
// grows it per answer that gets through. Growing by a fixed step per answer
// grows the rate by a fixed share per second, whatever the server's limit:
// the pacer knows nothing of the limit in advance. The simulation in
// pacer_sim_test.go measures these choices against limits from 2 to 500 per
// second.
const (
	// minRate is where slow start begins after the first 429 (TCP's loss
	// window of one segment) and the floor of every cut: below one request
	// a second the server's own Retry-After paces the client anyway.
	minRate = 1.0
	// slowStartStep is what each answer adds below the threshold: the rate
	// grows e-fold every third of a second, from minRate to 500 per second
	// in about two seconds.
	slowStartStep = 3.0
	// avoidStep is what each answer adds above the threshold: half a
	// percent a second. Each 429 stops every caller for the server's
	// Retry-After, so probing past a known limit is slow.
	avoidStep = 0.005
	// avoidCut is what a 429 above the threshold leaves of the rate. There
	// the rate has grown only a few percent past the last one refused, so a
	// tenth is enough and costs less than climbing back from a half. A 429
	// in slow start halves the rate, as TCP does: the rate may have doubled
	// while the server's burst was draining and before the 429 came back.
	avoidCut = 0.9
)

func newPacer(requestsPerSecond float64, burst, maxConcurrent int) *pacer {
	p := &pacer{now: time.Now, ssthresh: math.Inf(1)}
	if requestsPerSecond > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(requestsPerSecond), max(burst, 1))
	} else {
		p.adaptive = true
		p.limiter = rate.NewLimiter(rate.Inf, 1)
	}
	if maxConcurrent > 0 {
		p.slots = make(chan struct{}, maxConcurrent)
	}
	return p
}

// acquire waits for a free slot, then for the shared pause and a rate-limit
// token, and returns the function that frees the slot; it never returns a
// nil function without an error. The slot comes first so that nothing is
// waited for after the last look at the pause. It fails with an error
// wrapping errNotHandedOver when ctx ends first (wrapping ctx.Err()) or its
// deadline would pass before the request's turn comes: then nothing was sent.
func (p *pacer) acquire(ctx context.Context) (func(), error) {
	release := func() {}
	if p.slots != nil {
		select {
		case p.slots <- struct{}{}:
			var once sync.Once
			release = func() { once.Do(func() { <-p.slots }) }
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", errNotHandedOver, ctx.Err())
		}
	}
	if err := p.takeTurn(ctx); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// takeTurn waits until no pause is set and a rate-limit token is free. A
// pause set while the caller waited for its token sends it back to wait
// for the pause: nothing goes out while the server asked everyone to wait.
// Callers poll for tokens instead of reserving them: a reservation holds
// its time when the rate changes, and one made at a lower rate would go out
// together with one made after the rate grew.
func (p *pacer) takeTurn(ctx context.Context) error {
	deadline, hasDeadline := ctx.Deadline()
	for {
		now := p.now()
		p.mu.Lock()
		wait := p.pauseUntil.Sub(now)
		p.mu.Unlock()
		why := errServerPause
		if wait <= 0 {
			if p.limiter.AllowN(now, 1) {
				return nil
			}
			// The time until the next token, at least 1 ns so that the
			// clock moves on even where rounding says it need not.
			missing := 1 - p.limiter.TokensAt(now)
			wait = max(time.Duration(math.Ceil(missing/float64(p.limiter.Limit())*float64(time.Second))), 1)
			why = ErrOwnRateLimit
			if p.adaptive {
				why = errLearnedPace
			}
		}
		if hasDeadline && now.Add(wait).After(deadline) {
			return fmt.Errorf("%w: %w", errNotHandedOver, why)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("%w: %w: %w", errNotHandedOver, why, err)
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

// accepted records an answer that was not a 429. An adaptive rate grows
// with it, by slowStartStep below the threshold and by avoidStep above it,
// but only while the rate is what holds callers back (the limiter has no
// token to spare), so that it does not climb far above what is really sent.
func (p *pacer) accepted() {
	if !p.adaptive {
		return
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limiter.Limit() == rate.Inf || p.limiter.TokensAt(now) >= 1 {
		return
	}
	step := avoidStep
	if float64(p.limiter.Limit()) < p.ssthresh {
		step = slowStartStep
	}
	p.limiter.SetLimitAt(now, p.limiter.Limit()+rate.Limit(step))
}

// throttled handles a 429 for a request handed to the network at sentAt:
// it pauses every caller for the server's Retry-After (capped at maxPause),
// and an adaptive pacer lowers its rate once per episode. A 429 for a
// request sent before the last cut was sent at the old rate and says
// nothing new, however soon after a pause it comes back. The first 429
// ends the unlimited start: slow start from minRate finds the server's pace.
// A later one lowers the rate, by half in slow start and to avoidCut of it
// above the threshold, and sets the threshold there.
func (p *pacer) throttled(sentAt time.Time, retryAfter, maxPause time.Duration) {
	p.pause(min(retryAfter, maxPause))
	if !p.adaptive {
		return
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.throttles++
	if sentAt.Before(p.lastCut) {
		return
	}
	p.lastCut = now
	r := minRate
	if p.limiter.Limit() != rate.Inf {
		cut := avoidCut
		if float64(p.limiter.Limit()) < p.ssthresh {
			cut = 0.5
		}
		r = max(float64(p.limiter.Limit())*cut, minRate)
		p.ssthresh = r
	}
	p.limiter.SetLimitAt(now, rate.Limit(r))
}

// currentRate is the pacer's rate in requests per second (rate.Inf, the
// largest float64, when unlimited).
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
			if ci.throttled > 0 || errors.Is(err, errServerPause) || errors.Is(err, errLearnedPace) {
				err = &RateLimitedError{Answers429: ci.throttled, Cause: err}
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

		retryAfter, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.pacer.now())
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
