package batch

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }

func TestPlanMail(t *testing.T) {
	for _, c := range []struct {
		name     string
		in       Input
		prior    State
		now      time.Time
		toMail   map[string]string // address -> why
		adopted  []string
		kept     map[string]string
		unmailed []string
	}{
		{
			name:   "first apply mails every distinct address once, first spelling wins",
			in:     Input{Emails: []string{"a@x.io", "B@x.io", "b@x.io", "a@x.io"}},
			toMail: map[string]string{"a@x.io": WhyNew, "B@x.io": WhyNew},
		},
		{
			name:  "sent addresses are kept, new ones mailed",
			in:    Input{Emails: []string{"a@x.io", "c@x.io"}},
			prior: State{Sent: map[string]string{"A@x.io": at(0), "gone@x.io": at(0)}},
			now:   t0.Add(time.Hour), toMail: map[string]string{"c@x.io": WhyNew},
			kept: map[string]string{"a@x.io": at(0)},
		},
		{
			name:   "resend_after: due at exactly the boundary, not before",
			in:     Input{Emails: []string{"a@x.io", "b@x.io"}, ResendAfter: time.Hour},
			prior:  State{Sent: map[string]string{"a@x.io": at(0), "b@x.io": at(time.Minute)}},
			now:    t0.Add(time.Hour),
			toMail: map[string]string{"a@x.io": WhyResend},
			kept:   map[string]string{"b@x.io": at(time.Minute)},
		},
		{
			name:   "a sent time that does not parse is due",
			in:     Input{Emails: []string{"a@x.io"}, ResendAfter: time.Hour},
			prior:  State{Sent: map[string]string{"a@x.io": "yesterday"}},
			now:    t0,
			toMail: map[string]string{"a@x.io": WhyResend},
		},
		{
			name: "unmailed: not_sent and rejected are retried, outcome_unknown is not",
			in:   Input{Emails: []string{"n@x.io", "r@x.io", "u@x.io"}},
			prior: State{Unmailed: map[string]Unmailed{
				"n@x.io": {Reason: ReasonNotSent}, "r@x.io": {Reason: ReasonRejected}, "u@x.io": {Reason: ReasonOutcomeUnknown},
			}},
			toMail:   map[string]string{"n@x.io": WhyRetry, "r@x.io": WhyRetry},
			unmailed: []string{"u@x.io"},
		},
		{
			name:   "retry_unknown_outcomes retries outcome_unknown",
			in:     Input{Emails: []string{"u@x.io"}, RetryUnknown: true},
			prior:  State{Unmailed: map[string]Unmailed{"u@x.io": {Reason: ReasonOutcomeUnknown}}},
			toMail: map[string]string{"u@x.io": WhyRetry},
		},
		{
			name:    "already_mailed adopts new and unknown addresses, never a sent one",
			in:      Input{Emails: []string{"a@x.io", "u@x.io", "s@x.io"}, AlreadyMailed: []string{"A@X.IO", "u@x.io", "s@x.io", "other@x.io"}},
			prior:   State{Sent: map[string]string{"s@x.io": at(0)}, Unmailed: map[string]Unmailed{"u@x.io": {Reason: ReasonOutcomeUnknown}}},
			adopted: []string{"a@x.io", "u@x.io"},
			kept:    map[string]string{"s@x.io": at(0)},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := PlanMail(c.in, c.prior, c.now)
			why := map[string]string{}
			for _, e := range p.ToMail {
				why[e] = p.Why[e]
			}
			if c.toMail == nil {
				c.toMail = map[string]string{}
			}
			if !maps.Equal(why, c.toMail) || len(p.Why) != len(p.ToMail) {
				t.Errorf("to mail %v (why %v), want %v", why, p.Why, c.toMail)
			}
			if !slices.Equal(p.Adopted, c.adopted) {
				t.Errorf("adopted %v, want %v", p.Adopted, c.adopted)
			}
			if c.kept == nil {
				c.kept = map[string]string{}
			}
			if !maps.Equal(p.Kept, c.kept) {
				t.Errorf("kept %v, want %v", p.Kept, c.kept)
			}
			if got := slices.Sorted(maps.Keys(p.Unmailed)); !slices.Equal(got, c.unmailed) {
				t.Errorf("unmailed %v, want %v", got, c.unmailed)
			}
		})
	}
}

// TestPlanMail_partition checks, over seeded random inputs, that every
// distinct address lands in exactly one of ToMail, Adopted, Kept and
// Unmailed, in the spelling of Emails, and that nothing already sent and not
// due is mailed.
func TestPlanMail_partition(t *testing.T) {
	const seed = 17
	r := rand.New(rand.NewPCG(seed, 0)) //nolint:gosec // Reproducible test input.
	pool := []string{"a@x.io", "A@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "F@x.io", "f@x.io"}
	pick := func(n int) []string {
		out := make([]string, r.IntN(n))
		for i := range out {
			out[i] = pool[r.IntN(len(pool))]
		}
		return out
	}
	reasons := []string{ReasonNotSent, ReasonRejected, ReasonOutcomeUnknown}
	for i := range 2000 {
		in := Input{Emails: pick(10), AlreadyMailed: pick(3), RetryUnknown: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			in.ResendAfter = time.Hour
		}
		prior := State{Sent: map[string]string{}, Unmailed: map[string]Unmailed{}}
		for _, e := range Distinct(pick(8)) {
			if r.IntN(2) == 0 {
				prior.Sent[e] = at(-time.Duration(r.IntN(120)) * time.Minute)
			} else {
				prior.Unmailed[e] = Unmailed{Reason: reasons[r.IntN(len(reasons))]}
			}
		}
		p := PlanMail(in, prior, t0)
		where := map[string]int{}
		for _, e := range p.ToMail {
			where[e]++
		}
		for _, e := range p.Adopted {
			where[e]++
		}
		for e := range p.Kept {
			where[e]++
		}
		for e := range p.Unmailed {
			where[e]++
		}
		distinct := Distinct(in.Emails)
		if len(where) != len(distinct) {
			t.Fatalf("case %d (seed %d): placed %v, want each of %v once", i, seed, where, distinct)
		}
		for _, e := range distinct {
			if where[e] != 1 {
				t.Fatalf("case %d (seed %d): %s placed %d times", i, seed, e, where[e])
			}
		}
		for _, e := range p.ToMail {
			for s, sentAt := range prior.Sent {
				if address.Same(s, e) && (in.ResendAfter == 0 || !Due(sentAt, in.ResendAfter, t0)) {
					t.Fatalf("case %d (seed %d): %s is mailed although it was sent at %s", i, seed, e, sentAt)
				}
			}
		}
	}
}

// Restrict mails only what the plan showed: an address that became due
// since keeps its last mail on record, and the plan it came from is left
// as it was.
func TestPlan_Restrict(t *testing.T) {
	in := Input{Emails: []string{"a@x.io", "b@x.io", "n@x.io"}, ResendAfter: time.Hour}
	prior := State{Sent: map[string]string{"a@x.io": at(0), "b@x.io": at(30 * time.Minute)}}
	later := PlanMail(in, prior, t0.Add(90*time.Minute)) // a and b are due, n is new
	planned := PlanMail(in, prior, t0.Add(61*time.Minute))
	if fmt.Sprint(planned.ToMail) != "[a@x.io n@x.io]" || fmt.Sprint(later.ToMail) != "[a@x.io b@x.io n@x.io]" {
		t.Fatalf("setup: planned %v, later %v", planned.ToMail, later.ToMail)
	}
	want := map[string]string{}
	for _, e := range planned.ToMail {
		want[e] = planned.Why[e]
	}
	got := later.Restrict(want)
	if fmt.Sprint(got.ToMail) != "[a@x.io n@x.io]" {
		t.Errorf("restricted to %v, want [a@x.io n@x.io]", got.ToMail)
	}
	if got.Kept["b@x.io"] != at(30*time.Minute) {
		t.Errorf("b@x.io lost its sent time: kept %v", got.Kept)
	}
	if len(later.ToMail) != 3 || later.Kept["b@x.io"] != "" {
		t.Errorf("Restrict changed the plan it came from: %v, kept %v", later.ToMail, later.Kept)
	}
}

func TestTimeoutRule(t *testing.T) {
	if got, want := DefaultTimeoutRule.For(10_000), 5*time.Minute+2500*time.Second; got != want {
		t.Errorf("default for 10,000 addresses %v, want %v", got, want)
	}
}

// Distinct uses address.Key, the rule the stand-in matches accounts by: the
// pairs on which strings.ToLower and strings.EqualFold disagreed, and
// composed and decomposed forms.
func TestDistinct_addressKey(t *testing.T) {
	got := Distinct([]string{"ſam@x.io", "sam@x.io", "İnfo@x.io", "info@x.io", "jos\u00e9@x.io", "jose\u0301@x.io", "JOS\u00c9@x.io"})
	if want := []string{"ſam@x.io", "İnfo@x.io", "info@x.io", "jos\u00e9@x.io"}; !slices.Equal(got, want) {
		t.Errorf("Distinct = %q, want %q", got, want)
	}
}

// Restrict never forgets an address: one the applied plan did not list stays
// on record as it was (a retry keeps its unmailed entry, a new address is
// not_sent), so that the next plan lists it.
func TestPlan_RestrictKeepsEveryAddress(t *testing.T) {
	prior := State{Unmailed: map[string]Unmailed{"r@x.io": {Reason: ReasonRejected, Detail: "no"}}}
	p := PlanMail(Input{Emails: []string{"r@x.io", "n@x.io", "m@x.io"}}, prior, t0)
	got := p.Restrict(map[string]string{"m@x.io": WhyNew})
	if fmt.Sprint(got.ToMail) != "[m@x.io]" {
		t.Errorf("to mail %v, want [m@x.io]", got.ToMail)
	}
	if got.Unmailed["r@x.io"].Reason != ReasonRejected || got.Unmailed["n@x.io"].Reason != ReasonNotSent {
		t.Errorf("unmailed %v, want r@x.io rejected and n@x.io not_sent", got.Unmailed)
	}
	if len(p.Unmailed) != 0 {
		t.Errorf("Restrict changed the plan it came from: %v", p.Unmailed)
	}
}
