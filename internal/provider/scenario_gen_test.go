package provider

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// This file generates the randomized scenarios that scenario_test.go runs:
// provider settings, a batch of addresses, and a stand-in that is slow, rate
// limited and faulty in ways a real API can be. Every scenario comes from one
// seed, so a failure is replayed with -scenario.seed=N -scenario.count=1.
//
// Wall time is bounded by construction, so that hundreds of scenarios fit in a
// couple of minutes: the number of addresses shrinks with every limit that
// paces them (client rate, server rate, latency per worker), and the create
// timeout never exceeds maxCreateTimeout. Deadlines that cut a batch short are
// wanted: they are how addresses end up not sent or with an unknown outcome.

const (
	maxScenarioEmails = 300
	// maxPacedSeconds bounds how long the client's and server's rate limits
	// and the server's latency may take for one batch at full speed.
	maxPacedSeconds  = 3.0
	maxCreateTimeout = 8 * time.Second
	// followUpTimeout is the update timeout: the follow-up apply runs against
	// a server without latency, faults or rate limit and must finish.
	followUpTimeout = 60 * time.Second
)

// scenario is everything one randomized run sets up. Zero values of the
// provider and resource settings mean "leave the attribute unset".
type scenario struct {
	Name string // fixed scenarios only
	Seed uint64

	// Provider block.
	RequestsPerSecond float64
	Burst             int
	MaxConcurrent     int
	RequestTimeoutMs  int
	Retry             *scenarioRetry

	// The clevermaps_password_reset_requests resource.
	Emails        []string // as written in the configuration: repeats and case variants included
	Concurrency   int
	CreateTimeout time.Duration
	UpdateTimeout time.Duration
	// RetryUnknown sets retry_unknown_outcomes = true.
	RetryUnknown bool

	// The stand-in during the first apply.
	Accounts    []string // lower-case addresses that have an account
	Latency     time.Duration
	Jitter      time.Duration
	RateLimit   float64
	RateBurst   int
	Faults      []scenarioFault
	FaultPeriod time.Duration // how long each fault stays before the next one replaces it

	// AccountsAddedLater get an account before the follow-up apply, so that
	// some addresses rejected in the first apply are mailed by the second.
	AccountsAddedLater []string

	// ExpectAll, for fixed scenarios, is the one outcome every address must
	// have after the first apply: "sent" or an `unmailed` reason.
	ExpectAll string
}

// scenarioRetry is the provider's retry block. Attempts is `retry.attempts`:
// the requests sent after the first one (provider.go: MaxAttempts = attempts + 1).
type scenarioRetry struct {
	Attempts   int
	MinDelayMs int
	MaxDelayMs int
}

// scenarioFault is a stand-in fault; RetryAfterDate, when set, makes its
// Retry-After an HTTP-date that far ahead of each moment it is injected.
type scenarioFault struct {
	standin.Fault
	RetryAfterDate time.Duration
}

// refusal reports whether the fault answers before the server acts and says
// so (429, or 503 with Retry-After): the documented assumption the client's
// retry policy relies on. Such faults are never generated with AfterAction.
func (f scenarioFault) refusal() bool {
	return f.Status == http.StatusTooManyRequests ||
		(f.Status == http.StatusServiceUnavailable && (f.RetryAfter != "" || f.RetryAfterDate > 0))
}

// standinFault returns the fault to inject at now.
func (f scenarioFault) standinFault(now time.Time) standin.Fault {
	sf := f.Fault
	if f.RetryAfterDate > 0 {
		sf.RetryAfter = now.Add(f.RetryAfterDate).UTC().Format(http.TimeFormat)
	}
	return sf
}

func (f scenarioFault) String() string {
	var parts []string
	switch {
	case f.Drop:
		parts = append(parts, "drop")
	case f.Status != 0:
		parts = append(parts, fmt.Sprint(f.Status))
	default:
		parts = append(parts, "slow")
	}
	if f.RetryAfter != "" {
		parts = append(parts, "Retry-After: "+f.RetryAfter)
	}
	if f.RetryAfterDate > 0 {
		parts = append(parts, fmt.Sprintf("Retry-After: HTTP-date now+%s", f.RetryAfterDate))
	}
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.AfterAction {
		parts = append(parts, "after the server acted")
	}
	if f.Every > 0 {
		parts = append(parts, fmt.Sprintf("every %d", f.Every))
	}
	if f.Times > 0 {
		parts = append(parts, fmt.Sprintf("%d times", f.Times))
	}
	return strings.Join(parts, ", ")
}

// distinctKeys returns the scenario's addresses once each, lower-cased, in
// first-seen order.
func (sc *scenario) distinctKeys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, e := range sc.Emails {
		k := strings.ToLower(e)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// effectiveConcurrency is how many requests can be in flight at once.
func (sc *scenario) effectiveConcurrency() int {
	c := sc.Concurrency
	if c == 0 {
		c = defaultBatchConcurrency
	}
	if sc.MaxConcurrent > 0 {
		c = min(c, sc.MaxConcurrent)
	}
	return max(c, 1)
}

// generateScenario builds the scenario for seed.
func generateScenario(seed uint64) scenario {
	r := rand.New(rand.NewPCG(seed, 0x5ce4a210)) //nolint:gosec // Reproducible test input, not a secret.
	sc := scenario{Seed: seed, UpdateTimeout: followUpTimeout}
	chance := func(p float64) bool { return r.Float64() < p }
	between := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	logUniform := func(lo, hi float64) float64 { return math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo))) }
	msBetween := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(r.Int64N(int64(hi-lo)/int64(time.Millisecond)+1))*time.Millisecond
	}

	// Provider settings.
	if chance(0.4) {
		sc.RequestsPerSecond = float64(int(logUniform(1, 100.99)))
		if chance(0.5) {
			sc.Burst = between(1, 20)
		}
	}
	if chance(0.8) {
		sc.MaxConcurrent = between(1, 64)
	}
	if chance(0.9) {
		sc.RequestTimeoutMs = int(logUniform(200, 30_000))
	}
	if chance(0.8) {
		rt := &scenarioRetry{Attempts: between(0, 5), MinDelayMs: between(0, 50)}
		rt.MaxDelayMs = rt.MinDelayMs + int(logUniform(10, 1500))
		sc.Retry = rt
	}
	if chance(0.85) {
		sc.Concurrency = between(1, 64)
	}
	sc.RetryUnknown = chance(0.15)

	// The server's rate limit.
	if chance(0.25) {
		sc.RateLimit = float64(between(5, 200))
		if chance(0.7) {
			sc.RateBurst = between(1, 20)
		}
	}

	// How many distinct addresses the limits allow in maxPacedSeconds.
	maxDistinct := maxScenarioEmails
	if sc.RequestsPerSecond > 0 {
		maxDistinct = min(maxDistinct, int(sc.RequestsPerSecond*maxPacedSeconds)+max(sc.Burst, 1))
	}
	if sc.RateLimit > 0 {
		maxDistinct = min(maxDistinct, int(sc.RateLimit*maxPacedSeconds)+max(sc.RateBurst, 1))
	}
	distinct := int(logUniform(1, float64(maxDistinct)+0.99))

	// Latency, scaled so that distinct x latency / concurrency stays bounded.
	if chance(0.65) {
		sc.Latency = msBetween(0, 1500*time.Millisecond)
		if chance(0.5) {
			sc.Jitter = msBetween(0, 500*time.Millisecond)
		}
		perRequest := float64(sc.Latency+sc.Jitter/2) / float64(time.Second)
		if limit := maxPacedSeconds * float64(sc.effectiveConcurrency()) / float64(distinct); perRequest > limit {
			scale := limit / perRequest
			sc.Latency = time.Duration(float64(sc.Latency) * scale).Round(time.Millisecond)
			sc.Jitter = time.Duration(float64(sc.Jitter) * scale).Round(time.Millisecond)
		}
	}

	// Addresses: some without an account, written with repeats and in
	// other cases.
	missingShare := 0.0
	if chance(0.5) {
		missingShare = 0.05 + 0.45*r.Float64()
	}
	keys := make([]string, distinct)
	for i := range keys {
		keys[i] = fmt.Sprintf("user%03d.%d@example.com", i, seed%1000)
		if !chance(missingShare) {
			sc.Accounts = append(sc.Accounts, keys[i])
		} else if chance(0.5) {
			sc.AccountsAddedLater = append(sc.AccountsAddedLater, keys[i])
		}
	}
	variant := func(k string) string {
		if !chance(0.3) {
			return k
		}
		b := []rune(k)
		for i := range b {
			if chance(0.4) {
				b[i] = unicode.ToUpper(b[i])
			}
		}
		return string(b)
	}
	for _, k := range keys {
		sc.Emails = append(sc.Emails, variant(k))
	}
	if chance(0.5) {
		for range between(1, max(1, distinct/3)) {
			sc.Emails = append(sc.Emails, variant(keys[r.IntN(distinct)]))
		}
	}
	r.Shuffle(len(sc.Emails), func(i, j int) { sc.Emails[i], sc.Emails[j] = sc.Emails[j], sc.Emails[i] })

	// Faults.
	if chance(0.55) {
		n := between(1, 3)
		for range n {
			sc.Faults = append(sc.Faults, generateFault(r, distinct))
		}
		if n > 1 {
			sc.FaultPeriod = msBetween(100*time.Millisecond, 600*time.Millisecond)
		}
	}

	// The create timeout: mostly long enough for the batch at full speed,
	// often shorter, so that deadlines cut batches short.
	natural := float64(distinct) / float64(sc.effectiveConcurrency()) * float64(sc.Latency+sc.Jitter) / float64(time.Second)
	if sc.RequestsPerSecond > 0 {
		natural += float64(distinct) / sc.RequestsPerSecond
	}
	if sc.RateLimit > 0 {
		natural += float64(distinct) / sc.RateLimit
	}
	naturalD := time.Duration(natural * float64(time.Second))
	switch {
	case len(sc.Faults) == 0 && sc.RateLimit == 0 && sc.RequestTimeoutMs > 0 && chance(0.1):
		// Unset: the default, which nothing here comes close to.
	case chance(0.55):
		sc.CreateTimeout = min(maxCreateTimeout, 2*naturalD+3*time.Second).Round(time.Millisecond)
	default:
		sc.CreateTimeout = msBetween(200*time.Millisecond, max(300*time.Millisecond, min(naturalD, 4*time.Second)))
	}
	return sc
}

// generateFault returns one fault of the mix. Refusals (429, 503 with
// Retry-After) are answered before the server acts, by assumption, so they
// never get AfterAction.
func generateFault(r *rand.Rand, distinct int) scenarioFault {
	var f scenarioFault
	afterAction := r.IntN(2) == 0
	switch r.IntN(11) {
	case 0:
		f.Status, f.RetryAfter = http.StatusTooManyRequests, "1"
	case 1:
		f.Status, f.RetryAfterDate = http.StatusTooManyRequests, time.Duration(1+r.IntN(2))*time.Second
	case 2:
		f.Status, f.RetryAfter = http.StatusServiceUnavailable, "1"
	case 3:
		f.Status, f.RetryAfterDate = http.StatusServiceUnavailable, time.Second
	case 4:
		f.Status, f.AfterAction = http.StatusServiceUnavailable, afterAction
	case 5:
		f.Status, f.AfterAction = http.StatusInternalServerError, afterAction
	case 6:
		f.Status, f.AfterAction = http.StatusBadGateway, afterAction
	case 7:
		f.Status, f.AfterAction = http.StatusGatewayTimeout, afterAction
	case 8:
		f.Drop, f.AfterAction = true, afterAction
	case 9:
		f.Delay, f.AfterAction = time.Duration(50+r.IntN(750))*time.Millisecond, afterAction
	case 10:
		f.Status, f.AfterAction = []int{500, 502, 503, 504}[r.IntN(4)], afterAction
		f.Delay = time.Duration(50+r.IntN(750)) * time.Millisecond
	}
	f.Every = []int{1, 2, 2, 3, 3, 4, 5, 6}[r.IntN(8)]
	if r.IntN(2) == 0 || (f.refusal() && f.Every == 1) {
		// A refusal on every request is bounded, so that its waits do not
		// make every scenario with it end at its deadline.
		f.Times = 1 + r.IntN(max(1, 2*distinct))
	}
	return f
}

// fixedScenarios are the cases and a few edges, run on every run
// beside the random ones.
func fixedScenarios() []scenario {
	emails := func(n int, prefix string) (list, accounts []string) {
		for i := range n {
			e := fmt.Sprintf("%s%03d@example.com", prefix, i)
			list = append(list, e)
			accounts = append(accounts, e)
		}
		return list, accounts
	}
	var out []scenario
	add := func(sc scenario) {
		sc.UpdateTimeout = followUpTimeout
		out = append(out, sc)
	}

	// Issue 10, case 1: a gentle client-side rate with many parallel calls.
	list, accounts := emails(12, "case1-")
	add(scenario{
		Name: "case1-rps2-conc16", RequestsPerSecond: 2, MaxConcurrent: 16, RequestTimeoutMs: 3000,
		Emails: list, Accounts: accounts, Concurrency: 16, ExpectAll: "sent",
	})
	// Case 2: a slow server and one request at a time.
	list, accounts = emails(4, "case2-")
	add(scenario{
		Name: "case2-slow-server", Latency: 1200 * time.Millisecond, MaxConcurrent: 1, RequestTimeoutMs: 2000,
		Emails: list, Accounts: accounts, ExpectAll: "sent",
	})
	// Case 4: a server limit the user did not configure.
	list, accounts = emails(300, "case4-")
	add(scenario{
		Name: "case4-server-limit-50", RateLimit: 50, RateBurst: 5,
		Emails: list, Accounts: accounts, ExpectAll: "sent",
	})
	// Nobody has an account: everything rejected, nothing mailed.
	list, _ = emails(5, "ghost-")
	add(scenario{Name: "all-rejected", Emails: list, ExpectAll: "rejected"})
	// The server refuses everything and asks for a wait past the deadline:
	// nothing it acted on. (A shorter Retry-After would let a retry be in
	// flight when the deadline passes, whose outcome is rightly unknown.)
	list, accounts = emails(20, "refused-")
	add(scenario{
		Name: "all-refused", Emails: list, Accounts: accounts, CreateTimeout: 1500 * time.Millisecond,
		Faults:    []scenarioFault{{Fault: standin.Fault{Status: http.StatusTooManyRequests, RetryAfter: "5", Every: 1}}},
		ExpectAll: "not_sent",
	})
	// The client gives up before the slow server acts; the server still
	// mails everyone: every outcome is unknown.
	list, accounts = emails(8, "late-")
	add(scenario{
		Name: "all-timed-out", Latency: 800 * time.Millisecond, RequestTimeoutMs: 200, Concurrency: 8,
		Emails: list, Accounts: accounts, ExpectAll: "outcome_unknown",
	})
	// The server mails and then fails: every outcome is unknown.
	list, accounts = emails(10, "flaky-")
	add(scenario{
		Name: "all-500-after-action", Emails: list, Accounts: accounts,
		Faults:    []scenarioFault{{Fault: standin.Fault{Status: http.StatusInternalServerError, AfterAction: true}}},
		ExpectAll: "outcome_unknown",
	})
	return out
}

// dump renders the scenario for a failure message, completely enough to
// rebuild it by hand.
func (sc *scenario) dump() string {
	var b strings.Builder
	if sc.Name != "" {
		fmt.Fprintf(&b, "fixed scenario %s (fixedScenarios in scenario_gen_test.go)\n", sc.Name)
	} else {
		fmt.Fprintf(&b, "scenario seed %d (replay: go test ./internal/provider -run 'TestScenarios$' -scenario.seed=%d -scenario.count=1 -v)\n", sc.Seed, sc.Seed)
	}
	opt := func(v any, unset bool) string {
		if unset {
			return "unset"
		}
		return fmt.Sprint(v)
	}
	fmt.Fprintf(&b, "provider: requests_per_second=%s burst=%s max_concurrent_requests=%s request_timeout_ms=%s",
		opt(sc.RequestsPerSecond, sc.RequestsPerSecond == 0), opt(sc.Burst, sc.Burst == 0),
		opt(sc.MaxConcurrent, sc.MaxConcurrent == 0), opt(sc.RequestTimeoutMs, sc.RequestTimeoutMs == 0))
	if sc.Retry != nil {
		fmt.Fprintf(&b, " retry={attempts=%d min_delay_ms=%d max_delay_ms=%d}\n", sc.Retry.Attempts, sc.Retry.MinDelayMs, sc.Retry.MaxDelayMs)
	} else {
		b.WriteString(" retry=unset\n")
	}
	fmt.Fprintf(&b, "resource: concurrency=%s timeouts={create=%s update=%s} retry_unknown_outcomes=%v\n",
		opt(sc.Concurrency, sc.Concurrency == 0), opt(sc.CreateTimeout, sc.CreateTimeout == 0), opt(sc.UpdateTimeout, sc.UpdateTimeout == 0), sc.RetryUnknown)
	fmt.Fprintf(&b, "stand-in: latency=%s jitter=%s rate_limit=%s rate_burst=%s fault_period=%s\n",
		sc.Latency, sc.Jitter, opt(sc.RateLimit, sc.RateLimit == 0), opt(sc.RateBurst, sc.RateBurst == 0), sc.FaultPeriod)
	for i, f := range sc.Faults {
		fmt.Fprintf(&b, "  fault %d: %s\n", i+1, f)
	}
	keys := sc.distinctKeys()
	fmt.Fprintf(&b, "emails (%d entries, %d distinct): %s\n", len(sc.Emails), len(keys), strings.Join(sc.Emails, " "))
	has := map[string]bool{}
	for _, a := range sc.Accounts {
		has[a] = true
	}
	var missing []string
	for _, k := range keys {
		if !has[k] {
			missing = append(missing, k)
		}
	}
	fmt.Fprintf(&b, "without an account at the first apply (%d): %s\n", len(missing), strings.Join(missing, " "))
	later := slices.Clone(sc.AccountsAddedLater)
	fmt.Fprintf(&b, "account added before the follow-up (%d): %s\n", len(later), strings.Join(later, " "))
	if sc.ExpectAll != "" {
		fmt.Fprintf(&b, "expected after the first apply: every address %s\n", sc.ExpectAll)
	}
	return b.String()
}
