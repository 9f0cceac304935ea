package main

import (
	"fmt"
	"time"
)

// target is one of the goals from issues 5, 10 and 13, judged on medians of
// one run.
type target struct {
	Name     string
	Measured string
	Met      *bool // nil when the run did not measure it (for example -quick)
}

func (t target) status() string {
	switch {
	case t.Met == nil:
		return "not measured"
	case *t.Met:
		return "met"
	}
	return "NOT MET"
}

func judged(ok bool) *bool { return &ok }

// The sizes of the full run's cases that have a target of their own; the
// targets read N (and the server's limit or latency) from the case.
const (
	// rateLimitedN is the size of the rate-limited run with
	// requests_per_second set to the server's limit.
	rateLimitedN = 500
	// adaptiveN is the size of the rate-limited run without
	// requests_per_second (issue 10, case 4).
	adaptiveN = 300
	// adaptiveLongN is the same run long enough for the adaptive pacer's
	// steady state to count more than finding the limit (issue 17).
	adaptiveLongN = 3000
	// chunksN is the size of the chunked wave (issue 13, item 6).
	chunksN = 100_000
)

// plan10kPreviousShare is the N=10,000 batch no-change plan as a share of
// floor(1,000) in the last full run before to_mail, the mass-mail guard and
// the other issue 13 attributes (2026-11-27 20:46 UTC: 14.3 s against
// 68.3 s), quoted for reference. Issue 13 asks that the plan stay within 10%
// of its cost then, in the same run's terms. A share of floor(1,000) turned
// out to be a poor measure of that: the floor keeps both cores busy and the
// plan mostly one, and the floor's own CPU time varied from 54 to 132 s
// between runs. The target therefore compares with the same plan by the
// provider as of baselineCommit, measured in the same run (batchBeforeVariant).
const plan10kPreviousShare = 0.210

// planBeforeTarget judges issue 17's bound on the N=10,000 no-change plan.
func planBeforeTarget(results []*caseResult, plan10k, floor1k time.Duration, batch10kCut bool) target {
	t := target{Name: fmt.Sprintf("batch N=10,000 no-change plan within 1.25x the same plan by the provider as of %s (before issue 17 removed the fast paths) in this run: <= 1.25x", baselineCommit[:7])}
	before := lookup(results, batchBeforeVariant.ID, 10000)
	if before == nil || before.Skipped != "" || before.cutOff() || batch10kCut {
		if before != nil && before.Skipped != "" {
			t.Measured = "not measured: " + before.Skipped
		}
		return t
	}
	planBefore := summarize(before.planWalls()).Median
	x, ok := ratio(plan10k, planBefore)
	if !ok {
		return t
	}
	t.Measured = fmt.Sprintf("%s vs %s = %.2fx", formatSeconds(plan10k), formatSeconds(planBefore), x)
	if now, ok := ratio(plan10k, floor1k); ok {
		then, _ := ratio(planBefore, floor1k)
		t.Measured += fmt.Sprintf("; as shares of floor(1,000) %s: %.1f%% now, %.1f%% before (%.1f%% in the run of 2026-11-27)",
			formatSeconds(floor1k), 100*now, 100*then, 100*plan10kPreviousShare)
	}
	t.Met = judged(x <= 1.25)
	return t
}

func evaluateTargets(results []*caseResult) []target {
	floor1k := median(results, floorVariant.ID, 1000)
	request1k := median(results, requestVariant.ID, 1000)
	batch1k := median(results, batchVariant.ID, 1000)
	batch10k := median(results, batchVariant.ID, 10000)
	var plan10k time.Duration
	batch10kCut := false
	if r := lookup(results, batchVariant.ID, 10000); r != nil {
		plan10k = summarize(r.planWalls()).Median
		batch10kCut = r.cutOff()
	}

	var ts []target
	t := target{Name: "N=1,000 clevermaps_password_reset_request wall <= 1.25 x floor(1,000)"}
	if x, ok := ratio(request1k, floor1k); ok {
		t.Measured = fmt.Sprintf("%s vs floor %s = %.2fx", formatSeconds(request1k), formatSeconds(floor1k), x)
		t.Met = judged(x <= 1.25)
	}
	ts = append(ts, t)

	t = target{Name: "batch N=1,000 >= 10x faster than 1,000 individual resources"}
	if x, ok := ratio(request1k, batch1k); ok {
		t.Measured = fmt.Sprintf("%s vs %s = %.1fx faster", formatSeconds(batch1k), formatSeconds(request1k), x)
		t.Met = judged(x >= 10)
	}
	ts = append(ts, t)

	t = target{Name: "batch N=10,000 faster than floor(1,000)"}
	if x, ok := ratio(batch10k, floor1k); ok {
		t.Measured = fmt.Sprintf("%s vs floor(1,000) %s = %.2fx", formatSeconds(batch10k), formatSeconds(floor1k), x)
		t.Met = judged(batch10k < floor1k)
		if batch10kCut {
			t.Measured = fmt.Sprintf("did not finish: stopped after %s = %.2fx floor(1,000) %s", formatSeconds(batch10k), x, formatSeconds(floor1k))
			t.Met = judged(false)
			if batch10k < floor1k {
				t.Measured = fmt.Sprintf("not judged: stopped after %s, before floor(1,000) %s", formatSeconds(batch10k), formatSeconds(floor1k))
				t.Met = nil
			}
		}
	}
	ts = append(ts, t)

	t = target{Name: "batch N=10,000 no-change plan < 10% of floor(1,000) (issue 5)"}
	if x, ok := ratio(plan10k, floor1k); ok {
		t.Measured = fmt.Sprintf("%s = %.1f%% of floor(1,000)", formatSeconds(plan10k), 100*x)
		t.Met = judged(x < 0.10)
	} else if batch10kCut {
		t.Measured = "could not be measured: the N=10,000 apply did not finish"
		if r := lookup(results, batchVariant.ID, 1000); r != nil {
			if x, ok := ratio(summarize(r.planWalls()).Median, floor1k); ok {
				t.Measured += fmt.Sprintf("; at N=1,000 the no-change plan already took %s = %.0f%% of floor(1,000)",
					formatSeconds(summarize(r.planWalls()).Median), 100*x)
			}
		}
	}
	ts = append(ts, t)

	ts = append(ts, planBeforeTarget(results, plan10k, floor1k, batch10kCut))

	// Parity within the noise of these machines, without fast paths (issue 17).
	t = target{Name: "1,000 data clevermaps_reset_token reads within 1.15x of 1,000 data http reads: <= 1.15x (issue 17)"}
	token1k, http1k := median(results, tokenVariant.ID, 1000), median(results, httpVariant.ID, 1000)
	if x, ok := ratio(token1k, http1k); ok {
		t.Measured = fmt.Sprintf("%s vs %s = %.2fx", formatSeconds(token1k), formatSeconds(http1k), x)
		t.Met = judged(x <= 1.15)
	}
	ts = append(ts, t)

	if r := largest(results, batchLimitedVariant.ID); r != nil {
		ideal := perSecond(r.Case.N, r.Case.V.RateLimit)
		ts = append(ts, rateTarget(r, fmt.Sprintf("rate-limited batch N=%d at R=%g/s, requests_per_second = %g: zero failures, zero duplicate mails, wall <= 1.15 x N/R (%s)",
			r.Case.N, r.Case.V.RateLimit, r.Case.V.RateLimit, formatSeconds(ideal*115/100)), ideal, ideal*115/100))
	}
	for _, r := range casesOf(results, batchAdaptiveVariant.ID) {
		ts = append(ts, adaptiveTarget(r))
	}
	if r := largest(results, batchLatencyVariant.ID); r != nil {
		ts = append(ts, latencyTarget(r))
	}
	if r := largest(results, chunksVariant.ID); r != nil {
		ts = append(ts, chunkTargets(r, floor1k)...)
	}

	t = target{Name: "every variant saw exactly the expected requests"}
	runs, bad, failed, cut := 0, 0, 0, 0
	for _, r := range results {
		runs += len(r.Samples)
		failed += len(r.Errors)
		for _, s := range r.Samples {
			switch {
			case s.Apply.CutOff:
				cut++
			case len(s.Problems) > 0:
				bad++
			}
		}
	}
	if runs+failed > 0 {
		t.Measured = fmt.Sprintf("%d of %d finished runs matched exactly", runs-cut-bad, runs-cut+failed)
		if cut > 0 {
			t.Measured += fmt.Sprintf(" (%d run(s) cut off, not judged)", cut)
		}
		t.Met = judged(bad == 0 && failed == 0)
	}
	ts = append(ts, t)
	return ts
}

// largest returns the case of a variant with the largest N, if one was
// planned, so that a -quick run judges its small-N case by the same rule.
func largest(results []*caseResult, id string) *caseResult {
	var best *caseResult
	for _, r := range results {
		if r.Case.V.ID == id && (best == nil || r.Case.N > best.Case.N) {
			best = r
		}
	}
	return best
}

// casesOf returns the cases of a variant in the order they were planned.
func casesOf(results []*caseResult, id string) []*caseResult {
	var cs []*caseResult
	for _, r := range results {
		if r.Case.V.ID == id {
			cs = append(cs, r)
		}
	}
	return cs
}

// adaptiveTarget judges a case of the adaptive rate-limited batch by issue
// 17's bounds: within 1.3 x N/R at N=300 (and the smaller -quick run), 1.15
// x N/R at N=3,000, where finding the limit weighs less.
func adaptiveTarget(r *caseResult) target {
	ideal := perSecond(r.Case.N, r.Case.V.RateLimit)
	factor := 1.3
	if r.Case.N >= adaptiveLongN {
		factor = 1.15
	}
	bound := time.Duration(factor * float64(ideal))
	return rateTarget(r, fmt.Sprintf("rate-limited batch N=%s at R=%g/s (burst %d), no requests_per_second: exit 0, every address mailed once, wall <= %.2f x N/R (%s)",
		thousands(r.Case.N), r.Case.V.RateLimit, r.Case.V.RateBurst, factor, formatSeconds(bound)), ideal, bound)
}

// perSecond is how long n requests take at rate per second.
func perSecond(n int, rate float64) time.Duration {
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// runHealth counts, over a case's runs, those that failed or had any
// problem (a failed apply, a traffic or state mismatch), the duplicate mails
// and the 429 refusals.
func runHealth(r *caseResult) (failures, duplicates, rejected int) {
	failures = len(r.Errors)
	for _, s := range r.Samples {
		if len(s.Problems) > 0 || s.Apply.CutOff {
			failures++
		}
		duplicates += s.Mails - s.Unique
		rejected += s.Rejected
	}
	return failures, duplicates, rejected
}

// rateTarget judges a rate-limited case: no failed run, no duplicate mail,
// median apply wall within bound; ideal is N/R, to report the ratio.
func rateTarget(r *caseResult, name string, ideal, bound time.Duration) target {
	t := target{Name: name}
	if len(r.Samples) == 0 {
		return t
	}
	failures, duplicates, rejected := runHealth(r)
	sum := summarize(r.applyWalls())
	t.Measured = fmt.Sprintf("median %s (max %s) = %.2fx N/R over %d runs; %d failed runs, %d duplicate mails, %d requests refused with 429 and retried",
		formatSeconds(sum.Median), formatSeconds(sum.Max), float64(sum.Median)/float64(ideal), sum.Runs, failures, duplicates, rejected)
	t.Met = judged(failures == 0 && duplicates == 0 && sum.Median <= bound)
	return t
}

// latencyTarget judges the batch at server latency against the physical
// limit: N requests, each taking the latency, concurrency at a time.
func latencyTarget(r *caseResult) target {
	c := r.Case
	limit := time.Duration(int64(c.N) * int64(c.V.Latency) / defaultBatchConcurrency)
	t := target{Name: fmt.Sprintf("batch N=%s at %s server latency, defaults: wall <= 1.2 x N x latency / concurrency %d (%s x 1.2 = %s)",
		thousands(c.N), c.V.Latency, defaultBatchConcurrency, formatSeconds(limit), formatSeconds(limit*12/10))}
	if len(r.Samples) == 0 {
		return t
	}
	failures, duplicates, _ := runHealth(r)
	sum := summarize(r.applyWalls())
	span := medianOf(r.Samples, func(s sample) time.Duration { return s.LastRequest - s.FirstRequest })
	t.Measured = fmt.Sprintf("median %s (max %s) = %.2fx the limit over %d runs (first to last request: %s = %.2fx); %d failed runs, %d duplicate mails",
		formatSeconds(sum.Median), formatSeconds(sum.Max), float64(sum.Median)/float64(limit), sum.Runs,
		formatSeconds(span), float64(span)/float64(limit), failures, duplicates)
	t.Met = judged(failures == 0 && duplicates == 0 && sum.Median <= limit*12/10)
	return t
}

// chunkTargets judges the chunked wave: its apply mails every address once,
// and both its no-change plan and its plan after adding one address are
// faster than floor(1,000) of the same run.
func chunkTargets(r *caseResult, floor1k time.Duration) []target {
	n := thousands(r.Case.N)
	apply := target{Name: fmt.Sprintf("chunked batch N=%s (%d resources): the apply mails every address exactly once", n, chunkCount)}
	noChange := target{Name: fmt.Sprintf("chunked batch N=%s: no-change plan faster than floor(1,000), 0 requests", n)}
	addOne := target{Name: fmt.Sprintf("chunked batch N=%s: plan after adding one address says 1 to change, plans to mail that address alone, sends 0 requests, faster than floor(1,000)", n)}
	if len(r.Samples) == 0 {
		return []target{apply, noChange, addOne}
	}
	failures, duplicates, _ := runHealth(r)
	sum := summarize(r.applyWalls())
	var mails, unique, requests, expected int
	for _, s := range r.Samples {
		mails += s.Mails
		unique += s.Unique
		requests += s.Requests
		expected += s.Expected
	}
	apply.Measured = fmt.Sprintf("median %s over %d run(s); %d requests for %d addresses, %d mails to %d addresses; %d failed runs, %d duplicate mails",
		formatSeconds(sum.Median), sum.Runs, requests, expected, mails, unique, failures, duplicates)
	apply.Met = judged(failures == 0 && duplicates == 0 && !r.cutOff())

	judgePlan := func(t *target, plans []*cliRun, ok func(s sample) bool) {
		var walls []time.Duration
		good, cut := true, false
		for i, s := range r.Samples {
			if p := plans[i]; p != nil {
				walls = append(walls, p.Wall)
				cut = cut || p.CutOff
				good = good && !p.CutOff && ok(s)
			}
		}
		if len(walls) == 0 {
			t.Measured = "not run: the apply or the plan before it did not succeed"
			return
		}
		m := summarize(walls).Median
		t.Measured = formatSeconds(m)
		if cut {
			t.Measured = "cut off after " + formatSeconds(m) + " (did not finish)"
		} else if !good {
			t.Measured += "; the plan did not do what it must (see the run's problems)"
		}
		if x, ok := ratio(m, floor1k); ok {
			t.Measured += fmt.Sprintf(" = %.2fx floor(1,000) %s", x, formatSeconds(floor1k))
			t.Met = judged(good && m < floor1k)
		} else {
			t.Measured += "; floor(1,000) not measured in this run"
		}
	}
	var plans, addPlans []*cliRun
	for _, s := range r.Samples {
		plans = append(plans, s.Plan)
		addPlans = append(addPlans, s.AddPlan)
	}
	judgePlan(&noChange, plans, func(s sample) bool { return s.Plan.ExitCode == 0 && countAll(s.PlanRequests) == 0 })
	judgePlan(&addOne, addPlans, func(s sample) bool {
		return s.AddPlan.ExitCode == 2 && s.AddPlanSummary == addOneSummary && len(s.AddPlanToMail) == 1 && countAll(s.AddPlanRequests) == 0
	})
	return []target{apply, noChange, addOne}
}

func countAll(m map[string]int) int {
	n := 0
	for _, k := range m {
		n += k
	}
	return n
}
