package main

import (
	"strings"
	"testing"
	"time"
)

// caseWith builds a case result of one variant at N from apply walls, each
// run clean and mailing every address once.
func caseWith(v *variant, n int, walls ...time.Duration) *caseResult {
	r := &caseResult{Case: benchCase{V: v, N: n}}
	for _, w := range walls {
		r.Samples = append(r.Samples, sample{Apply: cliRun{Wall: w}, Requests: n, Expected: n, Mails: n, Unique: n})
	}
	return r
}

func status(t target) string { return t.status() }

func TestLatencyTargetComparesWithThePhysicalLimit(t *testing.T) {
	// 1,000 x 100 ms / 8 = 12.5 s; the target is 15 s.
	if got := status(latencyTarget(caseWith(batchLatencyVariant, 1000, 14900*time.Millisecond))); got != "met" {
		t.Errorf("14.9 s: %s, want met", got)
	}
	if got := status(latencyTarget(caseWith(batchLatencyVariant, 1000, 15100*time.Millisecond))); got != "NOT MET" {
		t.Errorf("15.1 s: %s, want NOT MET", got)
	}
	r := caseWith(batchLatencyVariant, 1000, 14*time.Second)
	r.Samples[0].Problems = []string{"MAIL MISMATCH"}
	if got := status(latencyTarget(r)); got != "NOT MET" {
		t.Errorf("a run with a problem: %s, want NOT MET", got)
	}
}

func TestAdaptiveRateTargets(t *testing.T) {
	// At 50/s: N=300 takes N/R = 6 s, bound 1.3 x 6 = 7.8 s; N=3,000 takes
	// 60 s, bound 1.15 x 60 = 69 s.
	for _, tc := range []struct {
		n           int
		prefix      string
		bound       string
		under, over time.Duration
	}{
		{300, "rate-limited batch N=300 at", "(7.80 s)", 7790 * time.Millisecond, 7810 * time.Millisecond},
		{3000, "rate-limited batch N=3,000 at", "(69.0 s)", 68900 * time.Millisecond, 69100 * time.Millisecond},
	} {
		for _, wall := range []time.Duration{tc.under, tc.over} {
			want := "met"
			if wall == tc.over {
				want = "NOT MET"
			}
			results := []*caseResult{caseWith(batchAdaptiveVariant, 300, wall), caseWith(batchAdaptiveVariant, 3000, wall)}
			found := false
			for _, tg := range evaluateTargets(results) {
				if strings.HasPrefix(tg.Name, tc.prefix) {
					found = true
					if !strings.Contains(tg.Name, tc.bound) || tg.status() != want {
						t.Errorf("%s at %v: %s (%s), want %s with a bound of %s", tg.Name, wall, tg.status(), tg.Measured, want, tc.bound)
					}
				}
			}
			if !found {
				t.Fatalf("no target for the adaptive rate-limited batch at N=%d", tc.n)
			}
		}
	}
}

func TestChunkTargetsNeedBothPlansFasterThanFloorAndCorrect(t *testing.T) {
	floor := 60 * time.Second
	r := caseWith(chunksVariant, 100_000, 100*time.Second)
	s := &r.Samples[0]
	s.Plan = &cliRun{Wall: 40 * time.Second}
	s.AddPlan = &cliRun{Wall: 41 * time.Second, ExitCode: 2}
	s.AddPlanSummary = addOneSummary
	s.AddPlanToMail = []string{"bench-100000@example.com"}
	ts := chunkTargets(r, floor)
	for _, tg := range ts {
		if tg.status() != "met" {
			t.Errorf("%s: %s (%s), want met", tg.Name, tg.status(), tg.Measured)
		}
	}

	s.AddPlanRequests = map[string]int{"POST request_reset 201": 1}
	if got := chunkTargets(r, floor)[2].status(); got != "NOT MET" {
		t.Errorf("a plan that sent a request: %s, want NOT MET", got)
	}
	s.AddPlanRequests = nil
	s.Plan.Wall = 61 * time.Second
	if got := chunkTargets(r, floor)[1].status(); got != "NOT MET" {
		t.Errorf("a no-change plan slower than floor: %s, want NOT MET", got)
	}
	if got := chunkTargets(r, 0)[1].status(); got != "not measured" {
		t.Errorf("without floor(1,000): %s, want not measured", got)
	}
}

func TestPlanBeforeTargetComparesWithTheBaselineInTheSameRun(t *testing.T) {
	withPlan := func(v *variant, plan time.Duration) *caseResult {
		r := caseWith(v, 10000, 6*time.Second)
		r.Samples[0].Plan = &cliRun{Wall: plan}
		return r
	}
	floor := 30 * time.Second
	now, before := withPlan(batchVariant, 12500*time.Millisecond), withPlan(batchBeforeVariant, 10*time.Second)
	if got := planBeforeTarget([]*caseResult{now, before}, 12500*time.Millisecond, floor, false); got.status() != "met" || !strings.Contains(got.Measured, "1.25x") {
		t.Errorf("12.5 s against 10 s: %s (%s), want met at 1.25x", got.status(), got.Measured)
	}
	if got := planBeforeTarget([]*caseResult{now, before}, 12600*time.Millisecond, floor, false); got.status() != "NOT MET" {
		t.Errorf("12.6 s against 10 s: %s, want NOT MET", got.status())
	}
	skipped := &caseResult{Case: benchCase{V: batchBeforeVariant, N: 10000}, Skipped: "the repository has no commit 4cc35e1"}
	if got := planBeforeTarget([]*caseResult{now, skipped}, 11*time.Second, floor, false); got.status() != "not measured" || !strings.Contains(got.Measured, "4cc35e1") {
		t.Errorf("without a baseline: %s (%s), want not measured with the reason", got.status(), got.Measured)
	}
	if got := planBeforeTarget([]*caseResult{now, before}, 11*time.Second, floor, true); got.status() != "not measured" {
		t.Errorf("when the N=10,000 apply was cut off: %s, want not measured", got.status())
	}
}

func TestTokenReadTargetComparesWithDataHTTP(t *testing.T) {
	for _, tc := range []struct {
		token, http time.Duration
		want        string
	}{
		{2000 * time.Millisecond, 2000 * time.Millisecond, "met"},
		{2300 * time.Millisecond, 2000 * time.Millisecond, "met"},
		{2400 * time.Millisecond, 2000 * time.Millisecond, "NOT MET"},
	} {
		results := []*caseResult{caseWith(tokenVariant, 1000, tc.token), caseWith(httpVariant, 1000, tc.http)}
		found := false
		for _, tg := range evaluateTargets(results) {
			if strings.Contains(tg.Name, "reset_token reads") {
				found = true
				if tg.status() != tc.want {
					t.Errorf("%s vs %s: %s (%s), want %s", tc.token, tc.http, tg.status(), tg.Measured, tc.want)
				}
			}
		}
		if !found {
			t.Fatal("no target for the token reads")
		}
	}
}
