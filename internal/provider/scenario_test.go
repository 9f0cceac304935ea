package provider

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

// batchTypeName is the resource the scenarios drive.
const batchTypeName = "clevermaps_password_reset_requests"

// defaultScenarioSeed is the first random scenario's seed when none is
// given: fixed, so that a failure in `make unit` or `make race` replays from
// its log. Only `make soak` explores new seeds (from the clock, printed).
const defaultScenarioSeed uint64 = 1

// TestScenarios drives the real provider, in-process over plugin protocol 6
// exactly as Terraform core would (validate, plan, apply, then refresh, plan
// and apply again), through randomized scenarios against a stand-in that is
// slow, rate limited and faulty, and checks the batch resource's central
// promise after every apply, from the state and from what the server saw:
//
//   - nothing panics;
//   - no address is mailed twice (the stand-in's outbox, by lower-cased
//     address), across both applies unless retry_unknown_outcomes is set;
//   - every distinct address is in exactly one of `sent` (then the outbox
//     has exactly one mail for it) or `unmailed` with a documented reason;
//   - "not_sent" and "rejected" mean no mail, and "not_sent" means every
//     request the server received for the address was refused before it
//     acted (429, or 503 with Retry-After);
//   - "outcome_unknown" only for an address whose request the server really
//     received;
//   - the follow-up, against a server without latency, faults or rate limit
//     (and with some of the missing accounts created), plans `to_mail` as
//     exactly the not_sent and rejected addresses (plus the unknown ones with
//     retry_unknown_outcomes), mails exactly those that now have an account,
//     and nothing else.
//
// Flags (or environment variables, for `make unit`):
//
//	-scenario.count N    SCENARIO_COUNT    random scenarios (default 500)
//	-scenario.seed S     SCENARIO_SEED     seed of the first; scenario i uses S+i
//	                                       (default defaultScenarioSeed: `make unit`
//	                                       and `make race` replay the same scenarios
//	                                       every run; `make soak` passes a clock seed
//	                                       and prints it)
//	-scenario.parallel P SCENARIO_PARALLEL scenarios run at once (default 24)
//	-scenario.trace      SCENARIO_TRACE=1  print each scenario's seed to stderr as
//	                                       it starts, to find one that crashes
//	                                       the test binary
//
// The fixed scenarios of fixedScenarios (the cases 1, 2 and 4 among
// them) run on every run beside the random ones.
//
// The log names the seed and a digest of the generated scenarios: two runs
// with the same seed and count show the same digest, since every input comes
// from the seed. (What a scenario's timing does to its outcomes still varies
// with the machine's load; a failure that depends on it replays best with
// the whole run's seed and count, not only its own seed.)
func TestScenarios(t *testing.T) {
	opts := scenarioOptions(t)
	// Straight to stderr as well: a panic in a provider goroutine ends the
	// test binary before t.Log output is printed, and the seed must survive.
	fmt.Fprintf(os.Stderr, "TestScenarios: %d random scenarios from seed %d (%s); replay one with -scenario.seed=<its seed> -scenario.count=1\n",
		opts.count, opts.seed, opts.seedSource)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random scenarios from seed %d (%s), %d of them; replay the whole run with "+
				"SCENARIO_SEED=%d SCENARIO_COUNT=%d go test ./internal/provider -run '^TestScenarios$' -count=1, "+
				"or one failed scenario with the command its failure names",
				opts.seed, opts.seedSource, opts.count, opts.seed, opts.count)
		}
	})

	var stats scenarioStats
	jobs := make(chan scenario)
	var wg, fixedDone sync.WaitGroup
	for range opts.parallel {
		wg.Go(func() {
			for sc := range jobs {
				name := sc.Name
				if name == "" {
					name = fmt.Sprintf("seed=%d", sc.Seed)
				}
				if opts.trace {
					fmt.Fprintf(os.Stderr, "scenario %s starting\n", name)
				}
				// Subtests may run from several goroutines at once; each
				// gets its own *testing.T for Fatal.
				t.Run(name, func(t *testing.T) {
					if !opts.fixed { // A replay: show what runs.
						t.Log(sc.dump())
					}
					runScenario(t, sc, &stats)
				})
				if sc.Name != "" {
					fixedDone.Done()
				}
			}
		})
	}
	start := time.Now()
	if opts.fixed {
		// The fixed scenarios go first and among themselves, before the
		// random ones load the machine: case 2 leaves 0.8 s of margin
		// between the server's latency and the request timeout.
		fixed := fixedScenarios()
		fixedDone.Add(len(fixed))
		for _, sc := range fixed {
			jobs <- sc
		}
		fixedDone.Wait()
	}
	// The digest of every random scenario's inputs, in order: the same
	// seed and count must give the same digest on any machine.
	inputs := sha256.New()
	for i := range opts.count {
		sc := generateScenario(opts.seed + uint64(i))
		_, _ = io.WriteString(inputs, sc.dump())
		jobs <- sc
	}
	close(jobs)
	wg.Wait()
	t.Logf("random scenarios from seed %d (%s), count %d: inputs digest %x", opts.seed, opts.seedSource, opts.count, inputs.Sum(nil)[:8])
	t.Logf("%d scenarios passed in %s: %s", stats.scenarios, time.Since(start).Round(time.Millisecond), stats.String())

	// A generator that never produced an outcome tests nothing about it.
	if stats.scenarios >= 200 && !t.Failed() {
		for _, outcome := range []string{"sent", batch.ReasonNotSent, batch.ReasonRejected, batch.ReasonOutcomeUnknown} {
			if stats.firstApply[outcome] == 0 {
				t.Errorf("no address ended %q in any of %d scenarios: the generator does not cover it", outcome, stats.scenarios)
			}
		}
	}
}

var (
	flagScenarioCount    = flag.Int("scenario.count", -1, "random scenarios TestScenarios runs (default 500, or SCENARIO_COUNT)")
	flagScenarioSeed     = flag.Uint64("scenario.seed", defaultScenarioSeed, "seed of the first random scenario; scenario i uses seed+i (or SCENARIO_SEED)")
	flagScenarioParallel = flag.Int("scenario.parallel", 0, "scenarios run at once (default 24, or SCENARIO_PARALLEL)")
	flagScenarioTrace    = flag.Bool("scenario.trace", false, "print every scenario to stderr as it starts (or SCENARIO_TRACE=1)")
)

type scenarioOpts struct {
	count, parallel int
	seed            uint64
	seedSource      string
	trace, fixed    bool
}

func scenarioOptions(t *testing.T) scenarioOpts {
	t.Helper()
	o := scenarioOpts{count: 500, parallel: 24, fixed: true}
	envInt := func(name string) (int, bool) {
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("%s=%q is not a count", name, v)
		}
		return n, true
	}
	if n, ok := envInt("SCENARIO_COUNT"); ok {
		o.count = n
	}
	if *flagScenarioCount >= 0 {
		o.count = *flagScenarioCount
	}
	if n, ok := envInt("SCENARIO_PARALLEL"); ok && n > 0 {
		o.parallel = n
	}
	if *flagScenarioParallel > 0 {
		o.parallel = *flagScenarioParallel
	}
	o.seed, o.seedSource = defaultScenarioSeed, "the default"
	if v := os.Getenv("SCENARIO_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SCENARIO_SEED=%q is not a seed", v)
		}
		o.seed, o.seedSource = s, "from SCENARIO_SEED"
	}
	// Visit sees only flags given on the command line, so that 0 is a seed
	// like any other.
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "scenario.seed" {
			o.seed, o.seedSource = *flagScenarioSeed, "from -scenario.seed"
		}
	})
	// Replaying one seed should run only that scenario.
	if o.seedSource != "the default" && o.count <= 1 {
		o.fixed = false
	}
	o.trace = *flagScenarioTrace || os.Getenv("SCENARIO_TRACE") == "1"
	return o
}

// scenarioStats counts outcomes across scenarios, to show in the log what
// the run covered.
type scenarioStats struct {
	mu                sync.Mutex
	scenarios         int
	firstApply        map[string]int // outcome -> addresses
	followUpTolerated int            // follow-up addresses left unmailed by a short client timeout
	nullCreates       int
	tainted           int
	statuses          map[int]int // answers the first-apply servers gave
}

func (s *scenarioStats) add(first map[string]int, statuses map[int]int, tolerated int, nullCreate, tainted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstApply == nil {
		s.firstApply, s.statuses = map[string]int{}, map[int]int{}
	}
	s.scenarios++
	for k, v := range first {
		s.firstApply[k] += v
	}
	for k, v := range statuses {
		s.statuses[k] += v
	}
	s.followUpTolerated += tolerated
	if nullCreate {
		s.nullCreates++
	}
	if tainted {
		s.tainted++
	}
}

func (s *scenarioStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("first-apply outcomes by address %v; server answers by status (0 = none) %v; "+
		"creates without state %d, with an error (tainted) %d; follow-up addresses left unmailed by a short client timeout %d",
		s.firstApply, s.statuses, s.nullCreates, s.tainted, s.followUpTolerated)
}

// ---------------------------------------------------------------------------
// The stand-in of one apply, with a recorder in front.

// scenarioServer is a stand-in behind a recorder that notes, for every API
// request, the address in its body and how it was answered, and counts the
// requests still being handled, so that checks wait until the server has
// finished acting on requests the client gave up on.
type scenarioServer struct {
	api     *standin.Server
	handler http.Handler // api, or cfg.WrapHandler around it
	http    *httptest.Server

	mu       sync.Mutex
	inflight int
	answers  []serverAnswer
	// conns is the last state of every connection; abandoned counts those
	// the client closed without a complete request on them (closed while
	// new or idle): each may have carried a request the client was still
	// writing when its deadline passed.
	conns     map[net.Conn]http.ConnState
	abandoned int
}

type serverAnswer struct {
	email      string // lower-cased
	status     int    // 0: no answer (dropped, or the client went away)
	retryAfter bool
	injected   bool // written by an injected fault (standin.FaultHeader)
}

// refused reports whether the answer says the server did not act: 429, or
// 503 with Retry-After (the documented assumption; the generator never
// combines those with AfterAction).
func (a serverAnswer) refused() bool {
	return a.status == http.StatusTooManyRequests || (a.status == http.StatusServiceUnavailable && a.retryAfter)
}

func startScenarioServer(t *testing.T, cfg standin.Config) *scenarioServer {
	t.Helper()
	s := &scenarioServer{api: standin.NewServer(cfg), conns: map[net.Conn]http.ConnState{}}
	s.handler = s.api
	if cfg.WrapHandler != nil { // As Start would.
		s.handler = cfg.WrapHandler(s.api)
	}
	s.http = httptest.NewUnstartedServer(s)
	s.http.Config.ConnState = s.connState
	s.http.Start()
	t.Cleanup(func() {
		_ = s.api.Close() // ends latency waits first, so that the listener's Close does not wait for them
		s.http.Close()
	})
	return s
}

func (s *scenarioServer) url() string { return s.http.URL + standin.APIPrefix }

func (s *scenarioServer) connState(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateClosed:
		if last := s.conns[c]; last == http.StateNew || last == http.StateIdle {
			s.abandoned++
		}
		delete(s.conns, c)
	case http.StateHijacked:
		delete(s.conns, c)
	default:
		s.conns[c] = state
	}
}

func (s *scenarioServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, standin.APIPrefix+"/") {
		s.api.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(body, &req)
	s.mu.Lock()
	s.inflight++
	s.mu.Unlock()
	rw := &standintest.StatusRecorder{ResponseWriter: w}
	// Deferred, so that a handler that aborts (a dropped connection) is
	// recorded as well.
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.inflight--
		s.answers = append(s.answers, serverAnswer{
			email: strings.ToLower(req.Email), status: rw.Status, retryAfter: rw.Header().Get("Retry-After") != "",
			injected: rw.Header().Get(standin.FaultHeader) != "",
		})
	}()
	s.handler.ServeHTTP(rw, r)
}

// quiesce waits until no request is being handled and none has arrived for
// a while: the stand-in's latency is not cut short when a client gives up,
// so it may still act (and mail) after the apply returned.
func (s *scenarioServer) quiesce(t *testing.T) {
	t.Helper()
	const stable = 5
	calm, last := 0, -1
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		s.mu.Lock()
		busy, n := s.inflight, len(s.answers)
		s.mu.Unlock()
		if busy == 0 && n == last {
			calm++
			if calm == stable {
				return
			}
		} else {
			calm = 0
		}
		last = n
		time.Sleep(40 * time.Millisecond)
	}
	t.Fatalf("the stand-in was still handling requests 20 s after the apply returned")
}

// view summarizes what the server did, by lower-cased address.
func (s *scenarioServer) view() serverView {
	v := serverView{mails: map[string]int{}, received: map[string]int{}, handled: map[string]int{}, statuses: map[int]int{}}
	for _, m := range s.api.Outbox() {
		v.mails[strings.ToLower(m.To)]++
	}
	for _, r := range s.api.Journal() {
		if r.Endpoint != standin.EndpointRequestReset {
			continue
		}
		var req struct {
			Email string `json:"email"`
		}
		if json.Unmarshal([]byte(r.Body), &req) == nil {
			v.received[strings.ToLower(req.Email)]++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v.abandonedConns = s.abandoned
	for _, a := range s.answers {
		v.statuses[a.status]++
		if a.injected {
			v.injected++
		}
		if a.refused() {
			v.refused++
		} else {
			v.handled[a.email]++
		}
	}
	return v
}

type serverView struct {
	mails    map[string]int // outbox
	received map[string]int // journal: POSTs with the address in the body
	handled  map[string]int // requests answered otherwise than with a refusal
	statuses map[int]int
	refused  int // answers that were refusals
	injected int // answers an injected fault wrote
	// abandonedConns counts connections closed by the client without a
	// complete request (see scenarioServer.conns).
	abandonedConns int
}

// runFaults injects the scenario's faults on the request endpoint, one
// after the other every FaultPeriod, until stop is closed.
func runFaults(api *standin.Server, faults []scenarioFault, period time.Duration, stop <-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	if len(faults) == 0 {
		close(done)
		return done
	}
	api.InjectFault(standin.EndpointRequestReset, faults[0].standinFault(time.Now()))
	go func() {
		defer close(done)
		defer api.ClearFaults()
		if len(faults) == 1 && faults[0].RetryAfterDate == 0 {
			<-stop
			return
		}
		// A date-form Retry-After is refreshed, so that it stays in the future.
		if period == 0 {
			period = 500 * time.Millisecond
		}
		tick := time.NewTicker(period)
		defer tick.Stop()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				api.InjectFault(standin.EndpointRequestReset, faults[i%len(faults)].standinFault(now))
			}
		}
	}()
	return done
}

// ---------------------------------------------------------------------------
// Terraform core, in-process.

// tfCore plays Terraform core for one resource of the batch type against one
// configured provider instance.
type tfCore struct {
	t        *testing.T
	ps       *protocolServer
	typ      tftypes.Object
	computed map[string]bool
}

func newTFCore(t *testing.T, providerAttrs func(tftypes.Object) map[string]tftypes.Value) *tfCore {
	t.Helper()
	// Configure needs the provider's schema; ask a throwaway instance.
	probe := newProtocolServer(t, map[string]tftypes.Value{"endpoint": str(unusedEndpoint)})
	core := &tfCore{t: t}
	core.ps = newProtocolServer(t, providerAttrs(probe.providerType))
	schemas, err := core.ps.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	rs := schemas.ResourceSchemas[batchTypeName]
	core.typ = objectType(rs)
	core.computed = map[string]bool{}
	for _, a := range rs.Block.Attributes {
		core.computed[a.Name] = a.Computed
	}
	return core
}

// protect runs a protocol call, turning a panic into an error with its stack:
// the CLI would report "Plugin did not respond".
func protect(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s panicked: %v\n%s", what, r, debug.Stack())
		}
	}()
	return f()
}

// applied is the outcome of one plan-and-apply.
type applied struct {
	planned   tftypes.Value // null when the plan failed
	state     tftypes.Value // null when the resource does not exist
	private   []byte
	diags     []*tfprotov6.Diagnostic
	errored   bool // the apply returned an error diagnostic
	noop      bool // the plan changed nothing, so core did not apply
	problems  []string
	wallClock time.Duration
}

func (c *tfCore) dynamic(v tftypes.Value) *tfprotov6.DynamicValue {
	dv, err := tfprotov6.NewDynamicValue(c.typ, v)
	if err != nil {
		c.t.Fatalf("encoding a %s value: %v", batchTypeName, err)
	}
	return &dv
}

func (c *tfCore) decode(dv *tfprotov6.DynamicValue) (tftypes.Value, error) {
	if dv == nil {
		return tftypes.NewValue(c.typ, nil), nil
	}
	return dv.Unmarshal(c.typ)
}

// run validates config, refreshes prior (unless null), plans and, unless the
// plan changes nothing or planOnly is set, applies, as `terraform apply`
// (or `plan`) does.
func (c *tfCore) run(config, prior tftypes.Value, priorPrivate []byte, planOnly bool) applied {
	ctx := c.t.Context()
	var out applied
	fail := func(format string, args ...any) applied {
		out.problems = append(out.problems, fmt.Sprintf(format, args...))
		return out
	}
	err := protect("ValidateResourceConfig", func() error {
		resp, err := c.ps.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: batchTypeName, Config: c.dynamic(config)})
		if err == nil && hasErrors(resp.Diagnostics) {
			err = fmt.Errorf("%s", diagText(resp.Diagnostics))
		}
		return err
	})
	if err != nil {
		return fail("validate: %v", err)
	}

	if !prior.IsNull() {
		err := protect("ReadResource", func() error {
			resp, err := c.ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: batchTypeName, CurrentState: c.dynamic(prior), Private: priorPrivate})
			if err != nil {
				return err
			}
			if hasErrors(resp.Diagnostics) {
				return fmt.Errorf("%s", diagText(resp.Diagnostics))
			}
			if prior, err = c.decode(resp.NewState); err != nil {
				return err
			}
			priorPrivate = resp.Private
			return nil
		})
		if err != nil {
			return fail("refresh: %v", err)
		}
		if prior.IsNull() {
			return fail("refresh removed the resource from state")
		}
	}

	proposed := c.proposedNew(prior, config)
	var planPrivate []byte
	err = protect("PlanResourceChange", func() error {
		resp, err := c.ps.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: batchTypeName, PriorState: c.dynamic(prior), ProposedNewState: c.dynamic(proposed),
			Config: c.dynamic(config), PriorPrivate: priorPrivate,
		})
		if err != nil {
			return err
		}
		if hasErrors(resp.Diagnostics) {
			return fmt.Errorf("%s", diagText(resp.Diagnostics))
		}
		if len(resp.RequiresReplace) > 0 && !prior.IsNull() {
			return fmt.Errorf("the plan replaces the resource (requires replace: %v), which would mail everybody again", resp.RequiresReplace)
		}
		out.planned, err = c.decode(resp.PlannedState)
		planPrivate = resp.PlannedPrivate
		return err
	})
	if err != nil {
		return fail("plan: %v", err)
	}
	if !prior.IsNull() && out.planned.Equal(prior) {
		out.noop, out.state, out.private = true, prior, priorPrivate
		return out
	}
	if planOnly {
		out.state, out.private = prior, priorPrivate
		return out
	}

	start := time.Now()
	err = protect("ApplyResourceChange", func() error {
		resp, err := c.ps.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: batchTypeName, PriorState: c.dynamic(prior), PlannedState: c.dynamic(out.planned),
			Config: c.dynamic(config), PlannedPrivate: planPrivate,
		})
		if err != nil {
			return err
		}
		out.diags, out.errored = resp.Diagnostics, hasErrors(resp.Diagnostics)
		out.private = resp.Private
		out.state, err = c.decode(resp.NewState)
		return err
	})
	out.wallClock = time.Since(start)
	if err != nil {
		out.state = tftypes.NewValue(c.typ, nil)
		return fail("apply: %v", err)
	}
	if !out.state.IsNull() {
		if !out.state.IsFullyKnown() {
			out.problems = append(out.problems, "the applied state has unknown values")
		}
		// Terraform core refuses a new state that contradicts a value the
		// plan promised ("Provider produced inconsistent result after apply").
		var plannedAttrs, newAttrs map[string]tftypes.Value
		if out.planned.As(&plannedAttrs) == nil && out.state.As(&newAttrs) == nil {
			for name, pv := range plannedAttrs {
				if pv.IsFullyKnown() && !pv.Equal(newAttrs[name]) {
					out.problems = append(out.problems, fmt.Sprintf(
						"inconsistent result after apply: the plan promised %s = %s, the apply returned %s", name, pv, newAttrs[name]))
				}
			}
		}
	}
	return out
}

// proposedNew is core's proposed new state: the configuration, with prior
// values for computed attributes the configuration leaves null.
func (c *tfCore) proposedNew(prior, config tftypes.Value) tftypes.Value {
	if prior.IsNull() {
		return config
	}
	var p, cfg map[string]tftypes.Value
	_ = prior.As(&p)
	_ = config.As(&cfg)
	out := make(map[string]tftypes.Value, len(cfg))
	for name, v := range cfg {
		if v.IsNull() && c.computed[name] {
			v = p[name]
		}
		out[name] = v
	}
	return tftypes.NewValue(c.typ, out)
}

// resourceConfig encodes the scenario's resource block.
func (c *tfCore) resourceConfig(sc *scenario) tftypes.Value {
	emails := make([]tftypes.Value, len(sc.Emails))
	for i, e := range sc.Emails {
		emails[i] = tftypes.NewValue(tftypes.String, e)
	}
	attrs := map[string]tftypes.Value{
		"emails": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, emails),
	}
	if sc.Concurrency > 0 {
		attrs["concurrency"] = tftypes.NewValue(tftypes.Number, sc.Concurrency)
	}
	if sc.CreateTimeout > 0 || sc.UpdateTimeout > 0 {
		typ, ok := c.typ.AttributeTypes["timeouts"].(tftypes.Object)
		if !ok {
			c.t.Fatalf("%s: `timeouts` is not a nested object", batchTypeName)
		}
		to := map[string]tftypes.Value{}
		if sc.CreateTimeout > 0 {
			to["create"] = tftypes.NewValue(tftypes.String, sc.CreateTimeout.String())
		}
		if sc.UpdateTimeout > 0 {
			to["update"] = tftypes.NewValue(tftypes.String, sc.UpdateTimeout.String())
		}
		attrs["timeouts"] = tftypes.NewValue(typ, withNulls(typ, to))
	}
	// The batches are the scenarios' subject, not the mass-mail guard (its
	// own tests cover it): 0 turns it off, whatever maxScenarioEmails is.
	attrs["max_new_emails"] = tftypes.NewValue(tftypes.Number, 0)
	if sc.RetryUnknown {
		attrs["retry_unknown_outcomes"] = tftypes.NewValue(tftypes.Bool, true)
	}
	return tftypes.NewValue(c.typ, withNulls(c.typ, attrs))
}

// providerConfig encodes the scenario's provider block against endpoint.
func providerConfig(t *testing.T, sc *scenario, endpoint string) func(tftypes.Object) map[string]tftypes.Value {
	return func(typ tftypes.Object) map[string]tftypes.Value {
		attrs := map[string]tftypes.Value{"endpoint": tftypes.NewValue(tftypes.String, endpoint)}
		if sc.RequestsPerSecond > 0 {
			attrs["requests_per_second"] = tftypes.NewValue(tftypes.Number, sc.RequestsPerSecond)
		}
		if sc.Burst > 0 {
			attrs["burst"] = tftypes.NewValue(tftypes.Number, sc.Burst)
		}
		if sc.MaxConcurrent > 0 {
			attrs["max_concurrent_requests"] = tftypes.NewValue(tftypes.Number, sc.MaxConcurrent)
		}
		if sc.RequestTimeoutMs > 0 {
			attrs["request_timeout_ms"] = tftypes.NewValue(tftypes.Number, sc.RequestTimeoutMs)
		}
		if sc.Retry != nil {
			rt, ok := typ.AttributeTypes["retry"].(tftypes.Object)
			if !ok {
				t.Fatalf("the provider's `retry` is not a nested object")
			}
			attrs["retry"] = tftypes.NewValue(rt, withNulls(rt, map[string]tftypes.Value{
				"attempts":     tftypes.NewValue(tftypes.Number, sc.Retry.Attempts),
				"min_delay_ms": tftypes.NewValue(tftypes.Number, sc.Retry.MinDelayMs),
				"max_delay_ms": tftypes.NewValue(tftypes.Number, sc.Retry.MaxDelayMs),
			}))
		}
		return attrs
	}
}

// ---------------------------------------------------------------------------
// State, as the checks read it.

type observedState struct {
	exists   bool
	sent     map[string]string // lower-cased address -> time
	unmailed map[string]unmailedRecord
	toMail   []string // lower-cased keys of the map
	problems []string
}

type unmailedRecord struct{ reason, detail string }

func readObservedState(v tftypes.Value) observedState {
	st := observedState{sent: map[string]string{}, unmailed: map[string]unmailedRecord{}}
	if v.IsNull() || !v.IsKnown() {
		return st
	}
	st.exists = true
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		st.problems = append(st.problems, err.Error())
		return st
	}
	var sent map[string]tftypes.Value
	if attrs["sent"].IsKnown() && !attrs["sent"].IsNull() {
		_ = attrs["sent"].As(&sent)
	}
	for e, at := range sent {
		k := strings.ToLower(e)
		if _, dup := st.sent[k]; dup {
			st.problems = append(st.problems, fmt.Sprintf("`sent` lists %s twice, in different cases", k))
		}
		var s string
		_ = at.As(&s)
		st.sent[k] = s
	}
	if um := attrs["unmailed"]; um.IsKnown() && !um.IsNull() {
		var entries map[string]tftypes.Value
		_ = um.As(&entries)
		for e, ev := range entries {
			k := strings.ToLower(e)
			if _, dup := st.unmailed[k]; dup {
				st.problems = append(st.problems, fmt.Sprintf("`unmailed` lists %s twice, in different cases", k))
			}
			var fields map[string]tftypes.Value
			_ = ev.As(&fields)
			var u unmailedRecord
			_ = fields["reason"].As(&u.reason)
			_ = fields["detail"].As(&u.detail)
			st.unmailed[k] = u
		}
	}
	st.toMail = readToMail(attrs["to_mail"])
	return st
}

func readToMail(v tftypes.Value) []string {
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	// A map of address to why (new, retry, resend).
	var byAddress map[string]tftypes.Value
	_ = v.As(&byAddress)
	out := make([]string, 0, len(byAddress))
	for e := range byAddress {
		out = append(out, strings.ToLower(e))
	}
	slices.Sort(out)
	return out
}

// outcome returns "sent", the `unmailed` reason, or "" when the address is
// in neither.
func (st *observedState) outcome(k string) string {
	if _, ok := st.sent[k]; ok {
		return "sent"
	}
	if u, ok := st.unmailed[k]; ok {
		return u.reason
	}
	return ""
}

// ---------------------------------------------------------------------------
// One scenario.

func runScenario(t *testing.T, sc scenario, stats *scenarioStats) {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var diagLog strings.Builder
	defer func() {
		if len(problems) > 0 {
			t.Fatalf("%d invariant violation(s):\n- %s\n\n%s\ndiagnostics:\n%s", len(problems), strings.Join(problems, "\n- "), sc.dump(), diagLog.String())
		}
	}()

	keys := sc.distinctKeys()
	accounts := func(list []string) []standin.Account {
		out := make([]standin.Account, len(list))
		for i, e := range list {
			out[i] = standin.Account{Email: e, FullName: "Scenario User " + strconv.Itoa(i), Status: standin.StatusEnabled}
		}
		return out
	}
	hasAccount := map[string]bool{}
	for _, a := range sc.Accounts {
		hasAccount[a] = true
	}

	// First apply: the create, against the difficult server.
	srv1 := startScenarioServer(t, standin.Config{
		Accounts: accounts(sc.Accounts), Latency: sc.Latency, LatencyJitter: sc.Jitter,
		RateLimit: sc.RateLimit, RateBurst: sc.RateBurst,
	})
	core1 := newTFCore(t, providerConfig(t, &sc, srv1.url()))
	config := core1.resourceConfig(&sc)
	retryUnknown := sc.RetryUnknown

	stopFaults := make(chan struct{})
	faultsDone := runFaults(srv1.api, sc.Faults, sc.FaultPeriod, stopFaults)
	first := core1.run(config, tftypes.NewValue(core1.typ, nil), nil, false)
	close(stopFaults)
	<-faultsDone
	fmt.Fprintf(&diagLog, "first apply (%s):\n%s", first.wallClock.Round(time.Millisecond), diagText(first.diags))
	for _, p := range first.problems {
		report("first apply: %s", p)
	}
	if sc.Name == "case4-server-limit-50" {
		t.Logf("case 4: 300 addresses against 50 requests/s (burst 5) took %s to apply", first.wallClock.Round(time.Millisecond))
	}
	if first.planned.IsNull() {
		return // The plan failed; nothing was sent or can be checked.
	}
	checkToMail(report, "the create plan", readObservedState(first.planned), first.planned, keys)
	srv1.quiesce(t)

	st1 := readObservedState(first.state)
	problemsOf(report, "first apply", st1.problems)
	nullCreate, tainted := first.state.IsNull(), first.errored && !first.state.IsNull()

	// Second apply: the follow-up, against a calm server that has some of
	// the missing accounts now.
	accounts2 := slices.Concat(sc.Accounts, sc.AccountsAddedLater)
	hasAccount2 := map[string]bool{}
	for _, a := range accounts2 {
		hasAccount2[a] = true
	}
	srv2 := startScenarioServer(t, standin.Config{Accounts: accounts(accounts2)})
	core2 := newTFCore(t, providerConfig(t, &sc, srv2.url()))

	// What the follow-up must mail, by the documented rule.
	prior, priorPrivate := first.state, first.private
	want := map[string]bool{}
	switch {
	case nullCreate || tainted:
		// Core creates the resource again (a tainted one is replaced).
		prior, priorPrivate = tftypes.NewValue(core2.typ, nil), nil
		for _, k := range keys {
			want[k] = true
		}
	default:
		for k, u := range st1.unmailed {
			if u.reason == batch.ReasonNotSent || u.reason == batch.ReasonRejected || (retryUnknown && u.reason == batch.ReasonOutcomeUnknown) {
				want[k] = true
			}
		}
	}

	// A follow-up that creates the resource anew would run under the first
	// apply's create timeout, which may be a fraction of a second: give it
	// the follow-up's. (With a prior state the configuration must stay the
	// same, or the plan would show a change of its own.)
	config2 := config
	if prior.IsNull() {
		sc2 := sc
		sc2.CreateTimeout = sc.UpdateTimeout
		config2 = core2.resourceConfig(&sc2)
	}
	second := core2.run(config2, prior, priorPrivate, false)
	fmt.Fprintf(&diagLog, "follow-up (%s, no-op %v):\n%s", second.wallClock.Round(time.Millisecond), second.noop, diagText(second.diags))
	for _, p := range second.problems {
		report("follow-up: %s", p)
	}
	srv2.quiesce(t)
	view2 := srv2.view()

	// The first apply's checks run now, after the follow-up, so that a
	// request the first server read late has been journaled.
	view1 := srv1.view()
	if !st1.exists {
		checkNoState(report, "first apply", keys, hasAccount, view1)
	} else {
		checkApply(report, "first apply", &sc, keys, hasAccount, nil, setOf(keys), st1, view1, false)
		if tainted {
			for _, k := range keys {
				if o := st1.outcome(k); o == "sent" || o == batch.ReasonOutcomeUnknown {
					report("the create failed with an error, so core taints and replaces the resource, mailing %s (%s) again", k, o)
				}
			}
		}
	}
	// A create that mailed nobody and knows it may fail without saving
	// state (the resource's documented choice: the next apply starts
	// again); checkNoState has checked that nobody was mailed.
	if sc.ExpectAll != "" && (st1.exists || (sc.ExpectAll != batch.ReasonNotSent && sc.ExpectAll != batch.ReasonRejected)) {
		for _, k := range keys {
			if o := st1.outcome(k); o != sc.ExpectAll {
				report("first apply: %s ended %q, want %q for every address in this scenario", k, o, sc.ExpectAll)
			}
		}
	}

	// The follow-up's checks.
	tolerated := 0
	if !second.planned.IsNull() {
		// A plan that changes nothing is not applied; its `to_mail` is the
		// one the last apply kept (it cannot differ from that apply's plan),
		// so only a plan with a change is held to it.
		if !second.noop {
			checkToMail(report, "the follow-up plan", readObservedState(second.planned), second.planned, sortedKeys(want))
		}
		if second.noop && len(want) > 0 {
			report("the follow-up plan changes nothing, but %d address(es) are left to mail: %v", len(want), sortedKeys(want))
		}
		if !second.noop && len(want) == 0 && !nullCreate && !tainted {
			report("the follow-up plan proposes a change although no address is left to mail")
		}
		st2 := readObservedState(second.state)
		problemsOf(report, "follow-up", st2.problems)
		if !st2.exists {
			checkNoState(report, "follow-up", keys, hasAccount2, view2)
		} else {
			var prev *observedState
			if !nullCreate && !tainted {
				prev = &st1
			}
			tolerated = checkApply(report, "follow-up", &sc, keys, hasAccount2, prev, want, st2, view2, true)
			// The next plan mails what is still left by the rule, and when
			// nothing is, it is empty: the configuration converges.
			left := map[string]bool{}
			for k, u := range st2.unmailed {
				if u.reason == batch.ReasonNotSent || u.reason == batch.ReasonRejected || (retryUnknown && u.reason == batch.ReasonOutcomeUnknown) {
					left[k] = true
				}
			}
			third := core2.run(config2, second.state, second.private, true)
			for _, p := range third.problems {
				report("plan after the follow-up: %s", p)
			}
			switch {
			case third.planned.IsNull():
			case len(left) == 0 && !third.noop:
				report("the plan after the follow-up is not empty, though no address is left to mail")
			case len(left) > 0 && third.noop:
				report("the plan after the follow-up is empty, though %d address(es) are left to mail: %v", len(left), sortedKeys(left))
			case !third.noop:
				checkToMail(report, "the plan after the follow-up", readObservedState(third.planned), third.planned, sortedKeys(left))
			}
		}
	}
	// Across both applies, nobody gets two mails, unless unknown outcomes
	// are retried on purpose.
	for _, k := range keys {
		retried := retryUnknown && st1.outcome(k) == batch.ReasonOutcomeUnknown
		if n := view1.mails[k] + view2.mails[k]; n > 1 && !retried && !tainted && !nullCreate {
			report("%s got %d mails over the two applies", k, n)
		}
	}

	if len(problems) == 0 {
		counts := map[string]int{}
		for _, k := range keys {
			counts[st1.outcome(k)]++
		}
		stats.add(counts, view1.statuses, tolerated, nullCreate, tainted)
	}
}

// checkToMail compares the planned `to_mail` with the addresses the apply
// must mail.
func checkToMail(report func(string, ...any), what string, st observedState, planned tftypes.Value, want []string) {
	var attrs map[string]tftypes.Value
	_ = planned.As(&attrs)
	if v := attrs["to_mail"]; !v.IsFullyKnown() {
		report("%s: `to_mail` is not known at plan time", what)
		return
	}
	got := map[string]int{}
	for _, k := range st.toMail {
		got[k]++
	}
	for k, n := range got {
		if n > 1 {
			report("%s: `to_mail` lists %s %d times", what, k, n)
		}
	}
	if g, w := sortedKeys(setOf(st.toMail)), slices.Sorted(slices.Values(want)); !slices.Equal(g, w) {
		report("%s: `to_mail` is %v, want %v", what, g, w)
	}
}

// checkApply checks one apply's state against what its server saw.
// attempted holds the addresses the apply had to mail; the others must keep
// their entry from prev and see no request. In the follow-up (calm), an
// address left "outcome_unknown" is tolerated when the server did receive
// its request, since a request timeout of 200 ms can pass on a loaded
// machine; it returns how many were.
func checkApply(report func(string, ...any), what string, sc *scenario, keys []string, hasAccount map[string]bool,
	prev *observedState, attempted map[string]bool, st observedState, v serverView, calm bool,
) (tolerated int) {
	inConfig := setOf(keys)
	// A client cannot know whether a request it was writing when its
	// deadline passed reached the server (on a starved machine the gap
	// between taking a connection and the bytes leaving can be long), so
	// every connection the client abandoned may account for one unknown
	// outcome the server never saw. More than that is a client that calls
	// requests unknown that never got a connection (the unit test
	// TestRequestPasswordReset_deadlineBeforeConnectionIsNotSent shows the
	// case deterministically).
	var neverReceived []string
	defer func() {
		if len(neverReceived) > v.abandonedConns {
			report("%s: %d address(es) are %q although the server never received a request for them, more than the %d connection(s) the client abandoned: %s",
				what, len(neverReceived), batch.ReasonOutcomeUnknown, v.abandonedConns, strings.Join(neverReceived[:min(len(neverReceived), 20)], " "))
		}
	}()
	for k, n := range v.mails {
		if !inConfig[k] {
			report("%s: %d mail(s) to %s, which is not in the configuration", what, n, k)
		}
	}
	for k := range st.sent {
		if !inConfig[k] {
			report("%s: `sent` has %s, which is not in the configuration", what, k)
		}
	}
	for k := range st.unmailed {
		if !inConfig[k] {
			report("%s: `unmailed` has %s, which is not in the configuration", what, k)
		}
	}
	for _, k := range keys {
		at, inSent := st.sent[k]
		u, inUnmailed := st.unmailed[k]
		mails := v.mails[k]
		switch {
		case inSent && inUnmailed:
			report("%s: %s is in both `sent` and `unmailed` (%s)", what, k, u.reason)
		case !inSent && !inUnmailed:
			report("%s: %s is in neither `sent` nor `unmailed`", what, k)
		}
		if mails > 1 {
			report("%s: %s was mailed %d times in one apply", what, k, mails)
		}
		if !attempted[k] {
			if v.received[k] > 0 || mails > 0 {
				report("%s: %s was not to be mailed, yet the server received %d request(s) and sent %d mail(s) for it", what, k, v.received[k], mails)
			}
			if prev != nil && prev.outcome(k) != st.outcome(k) {
				report("%s: %s changed from %q to %q without being mailed", what, k, prev.outcome(k), st.outcome(k))
			}
			if prev != nil && inSent && prev.sent[k] != at {
				report("%s: the time %s was sent changed from %s to %s", what, k, prev.sent[k], at)
			}
			continue
		}
		if inSent {
			if mails != 1 {
				report("%s: %s is in `sent`, but the server sent it %d mail(s)", what, k, mails)
			}
			if _, err := time.Parse(time.RFC3339, at); err != nil {
				report("%s: `sent` time %q of %s is not RFC 3339", what, at, k)
			}
			continue
		}
		if !inUnmailed {
			continue // Reported above.
		}
		if strings.TrimSpace(u.detail) == "" {
			report("%s: %s is unmailed (%s) without a detail", what, k, u.reason)
		}
		switch u.reason {
		case batch.ReasonNotSent:
			if mails > 0 {
				report("%s: %s is %q, but the server sent it %d mail(s)", what, k, u.reason, mails)
			}
			if v.handled[k] > 0 {
				report("%s: %s is %q, but the server received %d request(s) for it that it did not refuse (it may have acted)", what, k, u.reason, v.handled[k])
			}
			// A request timeout well under a second can pass while a
			// loaded machine opens the connection: the client then rightly
			// says not sent.
			if calm && sc.RequestTimeoutMs > 0 && sc.RequestTimeoutMs < 2000 {
				tolerated++
				continue
			} else if calm {
				report("%s: %s is %q on a follow-up with no faults, latency or rate limit: %s", what, k, u.reason, u.detail)
			}
		case batch.ReasonRejected:
			if mails > 0 {
				report("%s: %s is %q, but the server sent it %d mail(s)", what, k, u.reason, mails)
			}
			if hasAccount[k] {
				report("%s: %s is %q, but it has an account and the stand-in never refuses one: %s", what, k, u.reason, u.detail)
			}
			if v.handled[k] == 0 {
				report("%s: %s is %q, but the server never answered a request for it", what, k, u.reason)
			}
		case batch.ReasonOutcomeUnknown:
			// Received is all that can be asked: a refusal the client never
			// saw (its deadline passed first) leaves the outcome unknown too.
			if v.received[k] == 0 {
				neverReceived = append(neverReceived, k)
			}
			// On the calm follow-up only a client timeout explains it: a
			// short request timeout on a loaded machine, or an abandoned
			// request (held to the budget above).
			if calm && (v.received[k] == 0 || (v.handled[k] > 0 && sc.RequestTimeoutMs > 0 && sc.RequestTimeoutMs < 2000)) {
				tolerated++
				continue
			} else if calm {
				report("%s: %s is %q on a follow-up with no faults, latency or rate limit: %s", what, k, u.reason, u.detail)
			}
		default:
			report("%s: %s has the undocumented reason %q", what, k, u.reason)
		}
		if calm && !hasAccount[k] && u.reason != batch.ReasonRejected {
			report("%s: %s has no account, want %q, got %q", what, k, batch.ReasonRejected, u.reason)
		}
	}
	return tolerated
}

// checkNoState checks an apply that left no resource in state: acceptable
// only when nobody can have been mailed, since the next apply mails everyone.
func checkNoState(report func(string, ...any), what string, keys []string, hasAccount map[string]bool, v serverView) {
	if n := sumValues(v.mails); n > 0 {
		report("%s: nothing was recorded in state, yet %d mail(s) went out: the next apply mails them again", what, n)
		return
	}
	var acted []string
	for _, k := range keys {
		if hasAccount[k] && v.handled[k] > 0 {
			acted = append(acted, k)
		}
	}
	if len(acted) > 0 {
		report("%s: nothing was recorded in state, yet the server received requests it did not refuse (it may have acted) for %d address(es): %s",
			what, len(acted), strings.Join(acted[:min(len(acted), 10)], " "))
	}
}

func problemsOf(report func(string, ...any), what string, problems []string) {
	for _, p := range problems {
		report("%s: %s", what, p)
	}
}

func setOf(keys []string) map[string]bool {
	s := make(map[string]bool, len(keys))
	for _, k := range keys {
		s[k] = true
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
