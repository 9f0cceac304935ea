package main

import (
	"fmt"
	"time"
)

// target is one of the goals from issue 5, judged on medians of one run.
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

// rateLimitedN and rateLimit are the size and server limit of the
// rate-limited target.
const (
	rateLimitedN = 500
	rateLimit    = 50
)

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

	t = target{Name: "batch N=10,000 no-change plan < 10% of floor(1,000)"}
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

	ideal := time.Duration(float64(rateLimitedN) / rateLimit * float64(time.Second))
	t = target{Name: fmt.Sprintf("rate-limited batch N=%d at R=%d/s: zero failures, zero duplicate mails, wall <= 1.15 x N/R (%s)",
		rateLimitedN, rateLimit, formatSeconds(ideal*115/100))}
	if r := lookup(results, batchLimitedVariant.ID, rateLimitedN); r != nil && len(r.Samples) > 0 {
		failures, duplicates, rejected := len(r.Errors), 0, 0
		for _, s := range r.Samples {
			if len(s.Problems) > 0 {
				failures++
			}
			duplicates += s.Mails - s.Unique
			rejected += s.Rejected
		}
		sum := summarize(r.applyWalls())
		t.Measured = fmt.Sprintf("median %s (max %s) = %.2fx N/R over %d runs; %d failed runs, %d duplicate mails, %d requests refused with 429 and retried",
			formatSeconds(sum.Median), formatSeconds(sum.Max), float64(sum.Median)/float64(ideal), sum.Runs, failures, duplicates, rejected)
		t.Met = judged(failures == 0 && duplicates == 0 && sum.Median <= ideal*115/100)
	}
	ts = append(ts, t)

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
