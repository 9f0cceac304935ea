package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// The pacer tests assert lower bounds on elapsed time only where a lower
// bound is the property (a rate limit must hold requests back); a slow
// machine can only make those waits longer, never make them pass wrongly.

func TestPacer_rateAndBurst(t *testing.T) {
	p := newPacer(20, 3, 0)
	start := time.Now()
	for range 3 + 10 {
		release, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	// The burst of 3 goes at once; the 10 after it need 10 tokens at 20/s.
	if elapsed := time.Since(start); elapsed < 450*time.Millisecond {
		t.Errorf("13 acquisitions at 20/s with burst 3 took %v, want at least 500ms", elapsed)
	}
}

func TestPacer_concurrencyBound(t *testing.T) {
	const limit, callers = 3, 20
	p := newPacer(0, 0, limit)
	var inFlight, peak atomic.Int32
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			release, err := p.acquire(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			n := inFlight.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(10 * time.Millisecond)
			inFlight.Add(-1)
			release()
			release() // a second release must not free a slot twice
		})
	}
	wg.Wait()
	if got := peak.Load(); got != limit {
		t.Errorf("peak in flight = %d, want exactly %d", got, limit)
	}
}

func TestPacer_sharedPause(t *testing.T) {
	// A fixed rate far above what the test sends: the first 429 would set
	// an adaptive pacer to slow start, which is not what this test is about.
	p := newPacer(1000, 5, 0)
	const pause = 200 * time.Millisecond
	p.throttled(time.Now(), pause, time.Minute)
	start := time.Now()
	var wg sync.WaitGroup
	var early atomic.Int32
	for range 5 {
		wg.Go(func() {
			release, err := p.acquire(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			if time.Since(start) < pause-20*time.Millisecond {
				early.Add(1)
			}
			release()
		})
	}
	wg.Wait()
	if n := early.Load(); n != 0 {
		t.Errorf("%d of 5 callers went before the shared pause ended", n)
	}
}

func TestPacer_pauseCappedByMaxPause(t *testing.T) {
	p := newPacer(0, 0, 0)
	p.throttled(time.Now(), time.Hour, 50*time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	release, err := p.acquire(ctx)
	if err != nil {
		t.Fatalf("acquire after a capped pause: %v", err)
	}
	release()
}

func TestPacer_cancelWhileQueued(t *testing.T) {
	p := newPacer(0, 0, 1)
	hold, err := p.acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		release, err := p.acquire(ctx)
		if err == nil {
			release()
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, errNotHandedOver) || !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want errNotHandedOver wrapping context.Canceled", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("acquire did not return after its context was cancelled")
	}
}

// TestPacer_refusal covers the waits the pacer refuses at once because they
// would end after the caller's deadline: never a nil release without error.
func TestPacer_refusal(t *testing.T) {
	t.Run("rate token", func(t *testing.T) {
		p := newPacer(1, 1, 0)
		release, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		release()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		release, err = p.acquire(ctx)
		if err == nil || release != nil {
			t.Fatalf("got release %v, error %v; want a refusal", release != nil, err)
		}
		if !errors.Is(err, errNotHandedOver) {
			t.Errorf("got %v, want errNotHandedOver", err)
		}
	})
	t.Run("pause", func(t *testing.T) {
		p := newPacer(0, 0, 0)
		p.throttled(time.Now(), time.Minute, time.Minute)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		release, err := p.acquire(ctx)
		if err == nil || release != nil || !errors.Is(err, errNotHandedOver) {
			t.Fatalf("got release %v, error %v; want errNotHandedOver", release != nil, err)
		}
		if time.Since(start) > 50*time.Millisecond && ctx.Err() != nil {
			t.Log("note: the refusal waited for the deadline instead of refusing at once")
		}
	})
}

// TestPacer_pauseStopsCallerWaitingForSlot: a caller that is already
// waiting for a concurrency slot when a 429 sets the pause must not go out
// before the pause ends once the slot frees up. (It used to take its turn
// first and then wait for the slot, and went out 50 ms into a 1 s pause.)
func TestPacer_pauseStopsCallerWaitingForSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(0, 0, 1)
		hold, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		went := make(chan time.Duration, 1)
		go func() {
			release, err := p.acquire(t.Context())
			if err != nil {
				t.Error(err)
				went <- 0
				return
			}
			went <- time.Since(start)
			release()
		}()
		synctest.Wait() // the second caller waits for the slot
		p.throttled(time.Now(), time.Second, time.Minute)
		time.Sleep(50 * time.Millisecond)
		hold()
		if d := <-went; d < time.Second {
			t.Errorf("the waiting caller went out %v after the 1 s pause began", d)
		}
	})
}

// TestPacer_cancelWhileWaitingForToken: Ctrl-C while a call waits for a
// rate-limit token reports the cancellation, not a deadline it never had.
func TestPacer_cancelWhileWaitingForToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(1, 1, 0)
		release, err := p.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		release()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			release, err := p.acquire(ctx)
			if err == nil {
				release()
			}
			done <- err
		}()
		time.Sleep(100 * time.Millisecond) // well before the next token
		cancel()
		if err := <-done; !errors.Is(err, errNotHandedOver) || !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want errNotHandedOver wrapping context.Canceled", err)
		}
	})
}

// adaptiveAt returns an adaptive pacer on a clock the test moves, and a
// function that takes n tokens and records n answers, as callers that the
// rate holds back would.
func adaptiveAt(now *time.Time) (*pacer, func(n int)) {
	p := newPacer(0, 0, 0)
	p.now = func() time.Time { return *now }
	answer := func(n int) {
		for range n {
			p.limiter.AllowN(*now, 1)
			p.accepted()
		}
	}
	return p, answer
}

// TestPacer_adaptive checks slow start and AIMD step by step (see
// pacer.accepted and pacer.throttled).
func TestPacer_adaptive(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p, answer := adaptiveAt(&now)
	near := func(what string, want float64) {
		t.Helper()
		if got := p.currentRate(); math.Abs(got-want) > 1e-9 {
			t.Fatalf("%s: rate %v, want %v", what, got, want)
		}
	}
	answer(10)
	if p.limiter.Limit() != rate.Inf {
		t.Fatalf("rate %v before any 429, want unlimited", p.currentRate())
	}

	p.throttled(now, time.Second, time.Minute)
	near("first 429", minRate)
	now = now.Add(time.Second)
	answer(5)
	near("slow start", minRate+5*slowStartStep)

	// The rate grows only while it holds callers back: an answer when the
	// limiter has a token to spare changes nothing.
	now = now.Add(time.Second)
	p.accepted()
	near("answer while the limiter has a token to spare", minRate+5*slowStartStep)

	sentBeforeCut := now.Add(-10 * time.Millisecond)
	p.throttled(now, time.Second, time.Minute)
	half := (minRate + 5*slowStartStep) / 2
	near("429 in slow start", half)
	if p.ssthresh != half {
		t.Fatalf("threshold %v after a 429 in slow start, want %v", p.ssthresh, half)
	}
	p.throttled(sentBeforeCut, time.Second, time.Minute)
	near("429 for a request sent before the cut", half)

	now = now.Add(time.Second)
	answer(100)
	near("congestion avoidance", half+100*avoidStep)
	p.throttled(now, time.Second, time.Minute)
	near("429 above the threshold", (half+100*avoidStep)*avoidCut)

	for range 100 {
		now = now.Add(time.Second)
		p.throttled(now, time.Second, time.Minute)
	}
	near("many 429s", minRate)
	if p.throttles != 104 {
		t.Errorf("throttles = %d, want 104", p.throttles)
	}
}

// TestPacer_oneCutPerEpisode is the second bug: one 429 0.3 s after
// a 1 s pause cut the rate from 40/s to 10.8/s, because the cut counted the
// answers of the last second, most of which was the pause. Now each
// episode costs one multiplicative step, however few answers came since the
// pause.
func TestPacer_oneCutPerEpisode(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p, answer := adaptiveAt(&now)
	p.throttled(now, 0, time.Minute)
	p.limiter.SetLimitAt(now, 40)
	p.ssthresh = 40 // steady at 40/s, above the threshold

	p.throttled(now, time.Second, time.Minute)
	now = now.Add(time.Second) // the pause
	sent := now
	for range 12 { // 0.3 s of answers
		now = now.Add(25 * time.Millisecond)
		answer(1)
	}
	p.throttled(sent, time.Second, time.Minute)
	want := (40*avoidCut + 12*avoidStep) * avoidCut
	if got := p.currentRate(); math.Abs(got-want) > 1e-9 {
		t.Errorf("rate %.2f/s after a 429 0.3 s after the pause, want %.2f/s (one cut of 10%%)", got, want)
	}
}

// roundTripFunc answers a paced transport's requests in a test.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPaced_retryAfterDateOnPacerClock: a Retry-After date is read on the
// pacer's clock, like every other time the pacer compares. Here that clock
// is a day behind the process's, and the date two seconds ahead of it.
func TestPaced_retryAfterDateOnPacerClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(0, 0, 0)
		p.now = func() time.Time { return time.Now().Add(-24 * time.Hour) }
		var sent []time.Time
		tr := &pacedTransport{pacer: p, maxPause: time.Minute, log: nopLogger{}, next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			sent = append(sent, time.Now())
			resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: r}
			if len(sent) == 1 {
				resp.StatusCode = http.StatusTooManyRequests
				resp.Header.Set("Retry-After", p.now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			}
			return resp, nil
		})}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://api.invalid/", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if len(sent) != 2 {
			t.Fatalf("%d requests, want 2", len(sent))
		}
		if d := sent[1].Sub(sent[0]); d < 2*time.Second {
			t.Errorf("sent again %v after the 429, want the 2 s its Retry-After date asks for", d)
		}
	})
}

// requestAllOnce requests a reset for every address at once, from one
// goroutine each, and checks that every call succeeded with exactly one mail.
func requestAllOnce(t *testing.T, c *Client, api *standin.Server, emails []string) {
	t.Helper()
	errs := make([]error, len(emails))
	var wg sync.WaitGroup
	for i, e := range emails {
		wg.Go(func() { errs[i] = c.RequestPasswordReset(t.Context(), e) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", emails[i], err)
		}
		if n := len(api.MailsTo(emails[i])); n != 1 {
			t.Errorf("%s got %d mails, want 1", emails[i], n)
		}
	}
}

// TestPaced_queueTimeIsNotAttemptTime is the "slow server, one slot"
// case: each request takes 150 ms at the server, only one may be in flight,
// and the attempt timeout is 250 ms. Four parallel calls wait up to 450 ms
// for their slot; that wait must not count against the attempt timeout.
func TestPaced_queueTimeIsNotAttemptTime(t *testing.T) {
	api := standin.NewServer(standin.Config{Latency: 150 * time.Millisecond})
	var emails []string
	for i := range 4 {
		e := fmt.Sprintf("slow%d@example.com", i)
		emails = append(emails, e)
		api.AddAccount(standin.Account{Email: e, FullName: "Slow"})
	}
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	c := newFaultClient(t, Config{Endpoint: api.URL(), Timeout: 250 * time.Millisecond, MaxAttempts: 1, MaxConcurrentRequests: 1})
	requestAllOnce(t, c, api, emails)
}

// TestPaced_slowRateManyInFlight is the crash: a low request rate,
// many callers and a short attempt timeout. Tokens come later than the
// attempt timeout would allow; every call must still go out exactly once.
func TestPaced_slowRateManyInFlight(t *testing.T) {
	api := newTestAPI(t)
	var emails []string
	for i := range 12 {
		e := fmt.Sprintf("gentle%d@example.com", i)
		emails = append(emails, e)
		api.AddAccount(standin.Account{Email: e, FullName: "Gentle"})
	}
	c := newFaultClient(t, Config{Endpoint: api.URL(), Timeout: 100 * time.Millisecond, RequestsPerSecond: 20, Burst: 1, MaxConcurrentRequests: 16})
	requestAllOnce(t, c, api, emails)
}

// TestPaced_429DoesNotUseAttempts: with retries off, three 429s in a row are
// still waited out, since each proves the server did nothing.
func TestPaced_429DoesNotUseAttempts(t *testing.T) {
	api := newTestAPI(t)
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{Status: 429, RetryAfter: "1", Times: 3})
	c := newFaultClient(t, Config{Endpoint: api.URL(), MaxAttempts: 1, MinRetryWait: time.Millisecond, MaxRetryWait: 20 * time.Millisecond})
	if err := c.RequestPasswordReset(t.Context(), testEmail); err != nil {
		t.Fatalf("RequestPasswordReset: %v", err)
	}
	if n := api.Count(standin.EndpointRequestReset); n != 4 {
		t.Errorf("server saw %d requests, want 4 (three 429s, then the one that worked)", n)
	}
	if n := len(api.MailsTo(testEmail)); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

// TestPaced_adaptsToServerLimit sends 150 mails with no client-side rate
// against a server that allows 50/s with a burst of 5 and answers 429 with
// Retry-After: 1 past it. Everyone must be mailed exactly once; the time
// taken is logged, not asserted (make bench measures it).
func TestPaced_adaptsToServerLimit(t *testing.T) {
	api := standin.NewServer(standin.Config{RateLimit: 50, RateBurst: 5})
	const n = 150
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("wave%03d@example.com", i)
		api.AddAccount(standin.Account{Email: emails[i], FullName: "Wave"})
	}
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	c := newFaultClient(t, Config{Endpoint: api.URL()})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	start := time.Now()
	errs := make([]error, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				errs[i] = c.RequestPasswordReset(ctx, emails[i])
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", emails[i], err)
		}
		if got := len(api.MailsTo(emails[i])); got != 1 {
			t.Errorf("%s got %d mails, want 1", emails[i], got)
		}
	}
	c.pacer.mu.Lock()
	throttles := c.pacer.throttles
	c.pacer.mu.Unlock()
	if throttles == 0 {
		t.Error("the server never answered 429: the test does not exercise adaptation")
	}
	t.Logf("%d mails at a server limit of 50/s: %v (N/R = 3s), %d answers 429, final rate %s",
		n, time.Since(start).Round(time.Millisecond), throttles, c.pacer.describeRate())
}
