package provider

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// TestScenarioChecks feeds the invariant checks of TestScenarios with a
// consistent apply and with one violation at a time, to show that each check
// stays quiet when it should and fires when it must: a check that cannot
// fail would make the randomized run prove nothing.
func TestScenarioChecks(t *testing.T) {
	const a, b, c = "a@example.com", "b@example.com", "c@example.com"
	keys := []string{a, b, c}
	type fixture struct {
		st         observedState
		v          serverView
		hasAccount map[string]bool
		attempted  map[string]bool
		prev       *observedState
		calm       bool
	}
	// a was mailed, b was refused with 429 until the deadline, c has no
	// account and the server said so.
	good := func() fixture {
		return fixture{
			st: observedState{
				exists: true,
				sent:   map[string]string{a: "2026-11-27T22:00:00Z"},
				unmailed: map[string]unmailedRecord{
					b: {batch.ReasonNotSent, "the server asked to wait past the deadline"},
					c: {batch.ReasonRejected, "no CleverMaps account has this address"},
				},
			},
			v: serverView{
				mails:    map[string]int{a: 1},
				received: map[string]int{a: 1, b: 2, c: 1},
				handled:  map[string]int{a: 1, c: 1},
			},
			hasAccount: map[string]bool{a: true, b: true},
			attempted:  setOf(keys),
		}
	}
	tests := []struct {
		name   string
		mutate func(*fixture)
		want   string
	}{
		{"mailed twice", func(f *fixture) { f.v.mails[a] = 2 }, "mailed 2 times in one apply"},
		{"sent without a mail", func(f *fixture) { delete(f.v.mails, a) }, "in `sent`, but the server sent it 0"},
		{"sent time not RFC 3339", func(f *fixture) { f.st.sent[a] = "yesterday" }, "is not RFC 3339"},
		{"in neither", func(f *fixture) { delete(f.st.unmailed, b) }, "in neither"},
		{"in both", func(f *fixture) { f.st.unmailed[a] = unmailedRecord{batch.ReasonOutcomeUnknown, "lost"} }, "in both"},
		{"not_sent but the server acted", func(f *fixture) { f.v.handled[b] = 1 }, "did not refuse"},
		{"not_sent with a mail", func(f *fixture) { f.v.mails[b], f.v.handled[b] = 1, 1 }, `is "not_sent", but the server sent it 1`},
		{"not_sent on a calm follow-up", func(f *fixture) { f.calm = true }, "on a follow-up with no faults"},
		{"unknown never received", func(f *fixture) {
			f.st.unmailed[b] = unmailedRecord{batch.ReasonOutcomeUnknown, "timeout"}
			delete(f.v.received, b)
		}, "never received a request"},
		{"rejected with an account", func(f *fixture) { f.hasAccount[c] = true }, "has an account"},
		{"rejected without an answer", func(f *fixture) { delete(f.v.handled, c) }, "never answered a request"},
		{"rejected with a mail", func(f *fixture) { f.v.mails[c] = 1 }, `is "rejected", but the server sent it 1`},
		{"undocumented reason", func(f *fixture) { f.st.unmailed[b] = unmailedRecord{"failed", "x"} }, "undocumented reason"},
		{"no detail", func(f *fixture) { f.st.unmailed[b] = unmailedRecord{batch.ReasonNotSent, " "} }, "without a detail"},
		{"mail to a stranger", func(f *fixture) { f.v.mails["z@example.com"] = 1 }, "not in the configuration"},
		{"stranger in sent", func(f *fixture) { f.st.sent["z@example.com"] = "2026-11-27T22:00:00Z" }, "`sent` has z@example.com"},
		{"request for an address not to be mailed", func(f *fixture) {
			prev := f.st
			f.prev, f.attempted = &prev, map[string]bool{b: true, c: true}
		}, "was not to be mailed"},
		{"outcome changed without a mail", func(f *fixture) {
			prev := f.st
			prev.unmailed = maps.Clone(f.st.unmailed)
			prev.unmailed[b] = unmailedRecord{batch.ReasonOutcomeUnknown, "lost"}
			f.prev, f.attempted = &prev, map[string]bool{a: true, c: true}
			delete(f.v.received, b)
		}, `changed from "outcome_unknown" to "not_sent"`},
	}
	run := func(f fixture) []string {
		var got []string
		report := func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }
		sc := &scenario{RequestTimeoutMs: 30_000}
		checkApply(report, "apply", sc, keys, f.hasAccount, f.prev, f.attempted, f.st, f.v, f.calm)
		return got
	}
	if got := run(good()); len(got) > 0 {
		t.Fatalf("a consistent apply was reported: %q", got)
	}
	// An unknown outcome the server never saw is excused by a connection
	// the client abandoned, one for one.
	f := good()
	f.st.unmailed[b] = unmailedRecord{batch.ReasonOutcomeUnknown, "timeout"}
	delete(f.v.received, b)
	f.v.abandonedConns = 1
	if got := run(f); len(got) > 0 {
		t.Errorf("an unknown outcome with an abandoned connection was reported: %q", got)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.mutate(&f)
			got := run(f)
			if !slicesContain(got, tt.want) {
				t.Errorf("want a report containing %q, got %q", tt.want, got)
			}
		})
	}
}

func TestScenarioToMailCheck(t *testing.T) {
	mapType := tftypes.Map{ElementType: tftypes.String}
	// to_mail maps each address to why it is mailed.
	list := func(elems ...string) tftypes.Value {
		vals := make(map[string]tftypes.Value, len(elems))
		for _, e := range elems {
			vals[e] = tftypes.NewValue(tftypes.String, "new")
		}
		return tftypes.NewValue(mapType, vals)
	}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"to_mail": mapType}}
	check := func(toMail tftypes.Value, want ...string) []string {
		planned := tftypes.NewValue(typ, map[string]tftypes.Value{"to_mail": toMail})
		var got []string
		report := func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }
		checkToMail(report, "plan", observedState{toMail: readToMail(toMail)}, planned, want)
		return got
	}
	if got := check(list("B@example.com", "a@example.com"), "a@example.com", "b@example.com"); len(got) > 0 {
		t.Errorf("a matching to_mail was reported: %q", got)
	}
	for name, tc := range map[string]struct {
		toMail tftypes.Value
		want   []string
		report string
	}{
		"missing address": {list("a@example.com"), []string{"a@example.com", "b@example.com"}, "`to_mail` is"},
		"extra address":   {list("a@example.com", "c@example.com"), []string{"a@example.com"}, "`to_mail` is"},
		"listed twice":    {list("a@example.com", "A@example.com"), []string{"a@example.com"}, "2 times"}, // in two cases
		"unknown":         {tftypes.NewValue(mapType, tftypes.UnknownValue), nil, "not known at plan time"},
	} {
		if got := check(tc.toMail, tc.want...); !slicesContain(got, tc.report) {
			t.Errorf("%s: want a report containing %q, got %q", name, tc.report, got)
		}
	}
}

func slicesContain(reports []string, part string) bool {
	for _, r := range reports {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

// TestScenarioServerRecords checks the recorder in front of the stand-in:
// how it classifies answers decides what "the server may have acted" means.
func TestScenarioServerRecords(t *testing.T) {
	const email = "ada@example.com"
	srv := startScenarioServer(t, standin.Config{Accounts: []standin.Account{{Email: email, FullName: "Ada", Status: standin.StatusEnabled}}})
	post := func() {
		resp, err := http.Post(srv.url()+"/accounts/passwordReset", "application/json", strings.NewReader(`{"email":"ADA@example.com"}`))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body) // so that the connection is reused, not abandoned
			_ = resp.Body.Close()
		}
	}
	for _, f := range []standin.Fault{
		{Status: http.StatusTooManyRequests, RetryAfter: "1"},       // refused
		{Status: http.StatusServiceUnavailable, RetryAfter: "1"},    // refused
		{Status: http.StatusServiceUnavailable},                     // may have acted
		{Drop: true},                                                // may have acted
		{Status: http.StatusInternalServerError, AfterAction: true}, // acted: one mail
	} {
		srv.api.InjectFault(standin.EndpointRequestReset, f)
		post()
	}
	srv.api.ClearFaults()
	post() // acted: a second mail
	// A connection closed without a request is one the client abandoned.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
	srv.quiesce(t)
	for deadline := time.Now().Add(5 * time.Second); srv.view().abandonedConns == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	v := srv.view()
	if v.abandonedConns != 1 {
		t.Errorf("%d abandoned connections, want 1", v.abandonedConns)
	}
	want := serverView{
		mails: map[string]int{email: 2}, received: map[string]int{email: 6}, handled: map[string]int{email: 4},
		statuses: map[int]int{429: 1, 503: 2, 0: 1, 500: 1, 201: 1},
	}
	// The drop writes no answer, so carries no fault header.
	if v.refused != 2 || v.injected != 4 {
		t.Errorf("%d refusals and %d injected answers, want 2 and 4", v.refused, v.injected)
	}
	if !maps.Equal(v.mails, want.mails) || !maps.Equal(v.received, want.received) ||
		!maps.Equal(v.handled, want.handled) || !maps.Equal(v.statuses, want.statuses) {
		t.Errorf("got %+v, want %+v", v, want)
	}
}

// TestGenerateScenarioReplays checks that a scenario is a function of its
// seed alone: a generator that read the clock, math/rand's global source or
// a map's iteration order would make a logged seed replay something else.
func TestGenerateScenarioReplays(t *testing.T) {
	for seed := range uint64(300) {
		a, b := generateScenario(seed), generateScenario(seed)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d generated two different scenarios:\n%s\n%s", seed, a.dump(), b.dump())
		}
	}
}

// TestScenarioSeedIsFixedByDefault checks that `make unit` and `make race`,
// which set no seed, run the same scenarios every time, and that
// SCENARIO_SEED (what `make soak` sets) overrides the default.
func TestScenarioSeedIsFixedByDefault(t *testing.T) {
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "scenario.seed" {
			t.Skip("-scenario.seed was given, which overrides both cases")
		}
	})
	t.Setenv("SCENARIO_SEED", "")
	if o := scenarioOptions(t); o.seed != defaultScenarioSeed {
		t.Errorf("without SCENARIO_SEED or -scenario.seed the seed is %d (%s), want %d", o.seed, o.seedSource, defaultScenarioSeed)
	}
	t.Setenv("SCENARIO_SEED", "42")
	if o := scenarioOptions(t); o.seed != 42 {
		t.Errorf("with SCENARIO_SEED=42 the seed is %d (%s)", o.seed, o.seedSource)
	}
}
