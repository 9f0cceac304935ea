package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
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
	p := newPacer(0, 0, 0)
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

// TestPacer_adaptive checks the adaptive rate's arithmetic with a fake clock
// (see pacer.throttled for the rules).
func TestPacer_adaptive(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p := newPacer(0, 0, 0)
	p.now = func() time.Time { return now }
	send := func(n int, every time.Duration) {
		for range n {
			p.handedOver()
			p.accepted()
			now = now.Add(every)
		}
	}
	if p.limiter.Limit() != rate.Inf {
		t.Fatalf("initial rate = %v, want unlimited", p.currentRate())
	}

	// One lone request refused: the client's pace cannot be the cause.
	p.handedOver()
	p.throttled(now, 0, time.Minute)
	if p.limiter.Limit() != rate.Inf {
		t.Fatalf("a 429 for a lone request set the rate to %v", p.currentRate())
	}
	now = now.Add(2 * time.Second)

	send(10, 10*time.Millisecond)
	p.throttled(now, time.Second, time.Minute)
	if got := p.currentRate(); got != 10 {
		t.Fatalf("rate after the first 429 = %v, want 10 (what got through in the last second)", got)
	}
	now = now.Add(time.Second) // the pause
	pauseEnd := now

	// Answers grow the rate only while it holds callers back.
	send(3, 10*time.Millisecond)
	if got := p.currentRate(); got != 10 {
		t.Fatalf("rate grew to %v although it held nobody back", got)
	}
	p.lastDenied = now
	sentBeforeCut := now
	send(17, 20*time.Millisecond)
	if got, want := p.currentRate(), 10+17*probeStep; math.Abs(got-want) > 0.01 {
		t.Fatalf("rate after 17 answers while probing = %v, want %v", got, want)
	}
	p.throttled(now, time.Second, time.Minute)
	// Since the pause ended 20 got through, 10 of them the server's burst:
	// (20-10) over the elapsed time. In the last second 20 got through.
	// Half the refused rate is 30.5. The largest, times cutFactor.
	estimate := 10 / now.Sub(pauseEnd).Seconds()
	want := max(20, estimate, (10+17*probeStep)/2) * cutFactor
	if got := p.currentRate(); math.Abs(got-want) > 0.01 {
		t.Fatalf("rate after a 429 while probing = %v, want %v", got, want)
	}
	p.throttled(sentBeforeCut, time.Second, time.Minute)
	if got := p.currentRate(); math.Abs(got-want) > 0.01 {
		t.Fatalf("a 429 for a request sent before the cut changed the rate to %v", got)
	}

	now = now.Add(time.Second) // the pause
	p.lastDenied = now
	send(10, 50*time.Millisecond)
	grown := want + 10*steadyStep
	if got := p.currentRate(); math.Abs(got-grown) > 0.01 {
		t.Fatalf("steady growth over 10 answers gave %v, want %v", got, grown)
	}
	p.throttled(now, time.Second, time.Minute)
	if got, want := p.currentRate(), min(grown, 10)*cutFactor; math.Abs(got-want) > 0.01 {
		t.Fatalf("rate after a steady 429 = %v, want %v", got, want)
	}
	if p.throttles != 5 {
		t.Errorf("throttles = %d, want 5", p.throttles)
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
	throttles, lowest := c.pacer.throttles, c.pacer.lowestRate
	c.pacer.mu.Unlock()
	if throttles == 0 {
		t.Error("the server never answered 429: the test does not exercise adaptation")
	}
	t.Logf("%d mails at a server limit of 50/s: %v (N/R = 3s), %d answers 429, lowest rate %.1f/s, final %s",
		n, time.Since(start).Round(time.Millisecond), throttles, lowest, c.pacer.describeRate())
}
