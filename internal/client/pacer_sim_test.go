package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The pacer simulation runs the real client (pacer, paced transport, retry
// policy) against simAPI, a token-bucket server that lives in memory, inside
// a synctest bubble: time is fake and moves only when every goroutine waits,
// so minutes of pacing take milliseconds and nothing depends on the speed of
// the machine. Latency jitter comes from a fixed seed. Goroutines that wake
// at the same fake instant may run in any order, but the callers are
// interchangeable, so the totals do not depend on that order.

// simAPI answers POST /accounts/passwordReset like a rate-limited CleverMaps
// API: a token bucket of rate and burst, and 429 with Retry-After (whole
// seconds, at least 1, as the stand-in sends) past it. It records when each
// request was handed to it and when each 429 was answered.
type simAPI struct {
	rate  float64
	burst float64
	// latency returns a request's time at the server, half before it acts
	// and half after; nil is none.
	latency func() time.Duration

	mu        sync.Mutex
	tokens    float64
	last      time.Time
	started   bool
	sent      []time.Time    // when each request reached RoundTrip
	throttles []simThrottle  // each 429 answered
	mails     map[string]int // address -> accepted requests
	accepted  int
	lastOK    time.Time
}

type simThrottle struct {
	answered   time.Time
	retryAfter time.Duration
}

func (s *simAPI) take(now time.Time) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started, s.tokens, s.last = true, s.burst, now
	}
	s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rate)
	s.last = now
	if s.tokens >= 1 {
		s.tokens--
		return true, 0
	}
	return false, max(1, int(math.Ceil((1-s.tokens)/s.rate)))
}

func (s *simAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	var in requestResetBody
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	var lat time.Duration
	s.mu.Lock()
	s.sent = append(s.sent, time.Now())
	if s.latency != nil {
		lat = s.latency()
	}
	s.mu.Unlock()
	time.Sleep(lat / 2)
	ok, retryAfter := s.take(time.Now())
	time.Sleep(lat - lat/2)

	resp := &http.Response{Header: http.Header{}, Request: req, Body: io.NopCloser(bytes.NewReader(nil))}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		resp.StatusCode = http.StatusTooManyRequests
		resp.Header.Set("Retry-After", strconv.Itoa(retryAfter))
		s.throttles = append(s.throttles, simThrottle{answered: time.Now(), retryAfter: time.Duration(retryAfter) * time.Second})
		return resp, nil
	}
	resp.StatusCode = http.StatusCreated
	s.mails[in.Email]++
	s.accepted++
	s.lastOK = time.Now()
	return resp, nil
}

// simResult is what one simulated wave measured.
type simResult struct {
	elapsed   time.Duration // from the first call to the last accepted answer
	throttles int           // 429 answers
	finalRate string        // the pacer's rate at the end
}

// simWave mails n addresses through one client at its defaults (no
// requests_per_second), from workers goroutines as the batch resource does,
// against api, inside the caller's synctest bubble. It checks the
// invariants: every call succeeds, every address gets exactly one mail, and
// no request is handed over while a 429's pause is running.
func simWave(t *testing.T, api *simAPI, n, workers int) simResult {
	t.Helper()
	api.mails = map[string]int{}
	c, err := New(Config{Endpoint: "http://api.invalid/rest", Transport: api})
	if err != nil {
		t.Fatal(err)
	}
	// The batch resource's default create timeout: 5 minutes and 250 ms
	// per address.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute+time.Duration(n)*250*time.Millisecond)
	defer cancel()

	start := time.Now()
	jobs := make(chan int)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				errs[i] = c.RequestPasswordReset(ctx, simEmail(i))
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	failed := 0
	for i, err := range errs {
		if err != nil {
			if failed++; failed <= 3 {
				t.Errorf("%s: %v", simEmail(i), err)
			}
		}
		if got := api.mails[simEmail(i)]; got != 1 {
			t.Errorf("%s got %d mails, want 1", simEmail(i), got)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d calls failed", failed, n)
	}
	// Nothing goes out while the server asked everyone to wait. A request
	// sent at the very instant a 429 arrives raced with it and is allowed.
	for _, th := range api.throttles {
		end := th.answered.Add(min(th.retryAfter, DefaultMaxRetryWait))
		for _, s := range api.sent {
			if s.After(th.answered) && s.Before(end) {
				t.Errorf("a request went out at %v, during the pause from %v to %v",
					s.Sub(start), th.answered.Sub(start), end.Sub(start))
				break
			}
		}
	}
	return simResult{elapsed: api.lastOK.Sub(start), throttles: len(api.throttles), finalRate: c.pacer.describeRate()}
}

func simEmail(i int) string { return fmt.Sprintf("sim%05d@example.com", i) }

// simCell runs one wave in a bubble of its own.
func simCell(t *testing.T, rate float64, burst int, latency time.Duration, seed uint64, n, workers int) simResult {
	t.Helper()
	var res simResult
	synctest.Test(t, func(t *testing.T) {
		api := &simAPI{rate: rate, burst: float64(burst)}
		if latency > 0 {
			rng := rand.New(rand.NewPCG(seed, uint64(rate)*1000+uint64(burst)))
			// Latency between half and one and a half times the mean.
			api.latency = func() time.Duration {
				return latency/2 + time.Duration(rng.Int64N(int64(latency)))
			}
		}
		res = simWave(t, api, n, workers)
	})
	return res
}

// simWorkers is the batch resource's default concurrency.
const simWorkers = 8

// simLatencies are the matrix's two latency columns: about a loopback round
// trip, which keeps answers at distinct instants, and a remote API's.
var simLatencies = []time.Duration{time.Millisecond, 40 * time.Millisecond}

// TestPacerSim_matrix runs a wave against server limits and bursts the
// pacer was not tuned for, each with both latencies, and reports each
// cell's time against N/R and against the ideal: the larger of N/R and
// N x latency / workers, the most any client holding to the batch's
// concurrency could do. N is 30 seconds' worth at the server's rate (at
// least 300), so that the first pause does not make up the whole run. The
// bound on 429 answers is loose on purpose: it says that the pacer settles
// instead of bouncing off the limit, not how well it is tuned.
func TestPacerSim_matrix(t *testing.T) {
	const seed = 17
	var table strings.Builder
	table.WriteString("\n| R/s | burst | latency | N | time | N/R | time/(N/R) | ideal | time/ideal | 429s | final rate |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, rate := range []float64{2, 20, 50, 500} {
		n := max(300, int(30*rate))
		for _, burst := range []int{1, 5, 50} {
			for _, latency := range simLatencies {
				t.Run(fmt.Sprintf("R=%g/burst=%d/latency=%v", rate, burst, latency), func(t *testing.T) {
					res := simCell(t, rate, burst, latency, seed, n, simWorkers)
					nr := time.Duration(float64(n) / rate * float64(time.Second))
					ideal := max(nr, time.Duration(n)*latency/simWorkers)
					fmt.Fprintf(&table, "| %g | %d | %v | %d | %.1fs | %.1fs | %.2fx | %.1fs | %.2fx | %d | %s |\n",
						rate, burst, latency, n, res.elapsed.Seconds(), nr.Seconds(), float64(res.elapsed)/float64(nr),
						ideal.Seconds(), float64(res.elapsed)/float64(ideal), res.throttles, res.finalRate)
					if limit := n / 10; res.throttles > limit {
						t.Errorf("%d answers 429 for %d requests, want at most %d", res.throttles, n, limit)
					}
				})
			}
		}
	}
	t.Log(table.String())
}

// TestPacerSim_targets measures issue 17's targets for the benchmark's
// server (50/s, burst 5, no requests_per_second) where time is fake and the
// result is the same on any machine: N=3,000 within 1.15x N/R, asserted.
//
// N=300 within 1.3x N/R is reported, not asserted, because no client that
// learns the limit from 429s can meet it here. Sending unlimited, the first
// requests overrun the burst and the first 429 stops everyone for its
// Retry-After of 1 s: the 294 left then need at least 1 + 289/50 = 6.8 s.
// Finding the rate costs one more 429, another second less the 5 requests
// the bucket refills: 7.7 s, 1.29x, before any time spent below the limit
// while approaching it.
func TestPacerSim_targets(t *testing.T) {
	const rate, burst = 50, 5
	for _, tc := range []struct {
		n     int
		bound float64 // times N/R; 0 for none
	}{
		{300, 0},
		{3000, 1.15},
	} {
		t.Run(fmt.Sprintf("N=%d", tc.n), func(t *testing.T) {
			res := simCell(t, rate, burst, time.Millisecond, 0, tc.n, simWorkers)
			nr := time.Duration(float64(tc.n) / rate * float64(time.Second))
			x := float64(res.elapsed) / float64(nr)
			t.Logf("N=%d at %d/s burst %d: %.2fs = %.2fx N/R (%.0fs), %d answers 429, final rate %s",
				tc.n, rate, burst, res.elapsed.Seconds(), x, nr.Seconds(), res.throttles, res.finalRate)
			if tc.bound > 0 && x > tc.bound {
				t.Errorf("%.2fx N/R, want at most %.2fx", x, tc.bound)
			}
		})
	}
}
