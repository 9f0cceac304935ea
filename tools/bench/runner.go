package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// benchEnv is what every run shares: binaries, the CLI configuration and the
// addresses the stand-in knows.
type benchEnv struct {
	tofu       string
	limit      time.Duration // the longest one CLI run may take, unless its case says less
	standinBin string
	accounts   []accountsFile // by n, ascending
	workDir    string
	cliEnv     []string
	emails     []string
	keep       bool
}

// accountsFile is a stand-in seed file with the first n addresses.
type accountsFile struct {
	n    int
	path string
}

// accountsFor returns the smallest accounts file with at least n addresses.
func (e *benchEnv) accountsFor(n int) (string, error) {
	for _, a := range e.accounts {
		if a.n >= n {
			return a.path, nil
		}
	}
	return "", fmt.Errorf("no accounts file holds %d addresses", n)
}

// cliRun is one timed CLI invocation.
type cliRun struct {
	Start    time.Time
	Wall     time.Duration
	Usage    usage
	TotalCPU time.Duration // CLI plus every child it reaped
	ExitCode int
	CutOff   bool // stopped by the harness after the time limit
}

// gracePeriod is how long an interrupted CLI gets to stop its providers
// before the harness kills its whole process group.
const gracePeriod = 15 * time.Second

// runCLI runs the CLI in dir with its output in a log file there, sampling
// its processes while it runs. Only the CLI's own lifetime is timed. A run
// that takes longer than limit is interrupted like Ctrl-C would, and killed
// with everything it started if that does not end it.
func (e *benchEnv) runCLI(ctx context.Context, dir, logName string, limit time.Duration, args ...string) (cliRun, error) {
	logFile, err := os.Create(filepath.Join(dir, logName)) //nolint:gosec // A path in the harness's own temporary directory.
	if err != nil {
		return cliRun{}, err
	}
	defer logFile.Close()
	runCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(runCtx, e.tofu, args...) //nolint:gosec // The CLI the harness was told to measure.
	cmd.Dir, cmd.Env = dir, e.cliEnv
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that the providers it starts can be found
	// and ended with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = gracePeriod

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return cliRun{}, err
	}
	mon := startMonitor(cmd.Process.Pid)
	waitErr := cmd.Wait()
	wall := time.Since(start)
	r := cliRun{Start: start, Wall: wall, Usage: mon.finish()}
	if ps := cmd.ProcessState; ps != nil {
		r.TotalCPU = ps.UserTime() + ps.SystemTime()
		r.ExitCode = ps.ExitCode()
	}
	if runCtx.Err() != nil {
		// Whatever of the group is left (a provider the CLI could not stop)
		// goes too; the group holds only processes this run started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.CutOff = true
		return r, nil
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return r, waitErr
	}
	return r, nil
}

// sample is everything measured in one run of one case.
type sample struct {
	Apply    cliRun
	Plan     *cliRun // after the apply, when the case asks for one
	Requests int     // API requests during the apply
	Expected int
	Rejected int // of Requests, refused with 429
	// FirstRequest and LastRequest are when the stand-in received the
	// apply's first and last request, from the start of the apply.
	FirstRequest, LastRequest time.Duration
	Statuses                  map[string]int // "POST request_reset 201" -> count, apply only
	Mails                     int            // mails sent during the apply
	Unique                    int            // distinct recipients of those mails
	// PlanRequests counts the requests during the plan by log line.
	PlanRequests map[string]int
	PlanSummary  string // the plan's "Plan: ..." or "No changes." line
	// AddPlan, AddPlanRequests and AddPlanSummary are the same for the plan
	// after adding one address (planNoChangeAddOne).
	AddPlan         *cliRun
	AddPlanRequests map[string]int
	AddPlanSummary  string
	AddPlanToMail   []string // the addresses its diff adds to to_mail
	Problems        []string // mismatches and failures; any makes the bench fail
	Notes           []string // what stopped a run short without being a failure
}

// runCase runs one repetition of c in a fresh directory against a fresh
// stand-in.
func (e *benchEnv) runCase(ctx context.Context, c benchCase, limit time.Duration) (s sample, err error) {
	v, n := c.V, c.N
	dir, err := os.MkdirTemp(e.workDir, fmt.Sprintf("%s-%d-", v.ID, n))
	if err != nil {
		return s, err
	}
	if !e.keep {
		defer os.RemoveAll(dir)
	}
	need := n
	if c.Plan == planNoChangeAddOne {
		need++
	}
	accounts, err := e.accountsFor(need)
	if err != nil {
		return s, err
	}
	st, err := startStandin(e.standinBin, dir, accounts, v)
	if err != nil {
		return s, err
	}
	defer st.stop()

	in := runInput{N: n, BaseURL: st.baseURL, Emails: e.emails[:n]}
	if v.Tokens {
		if in.Tokens, err = st.seedTokens(ctx, in.Emails); err != nil {
			return s, err
		}
	}
	j0, m0, err := st.counts()
	if err != nil {
		return s, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(v.Config(in)), 0o600); err != nil { //nolint:gosec // The harness's own temporary directory.
		return s, err
	}

	s.Apply, err = e.runCLI(ctx, dir, "apply.log", limit, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=10")
	if err != nil {
		return s, err
	}
	if s.Apply.CutOff {
		// The traffic cannot be judged, since the apply did not end; what
		// it sent so far is recorded for the report.
		s.Notes = append(s.Notes, fmt.Sprintf("apply cut off after %s; last output:\n%s", limit.Round(time.Second), indent(tail(filepath.Join(dir, "apply.log"), 3))))
		if v.Expect.Endpoint != "" {
			s.Expected = n
		}
		if j, err := st.journal(); err == nil {
			s.Requests = len(j) - j0
		}
		return s, nil
	}
	if s.Apply.ExitCode != 0 {
		s.Problems = append(s.Problems, fmt.Sprintf("apply exited with %d:\n%s", s.Apply.ExitCode, indent(tail(filepath.Join(dir, "apply.log"), 25))))
	}

	journal, err := st.journal()
	if err != nil {
		return s, err
	}
	outbox, err := st.outbox()
	if err != nil {
		return s, err
	}
	applied := journal[j0:]
	s.Requests = len(applied)
	if len(applied) > 0 {
		s.FirstRequest = applied[0].ReceivedAt.Sub(s.Apply.Start)
		s.LastRequest = applied[len(applied)-1].ReceivedAt.Sub(s.Apply.Start)
	}
	if s.Statuses, err = st.statuses(j0, len(applied)); err != nil {
		return s, err
	}
	s.Mails = len(outbox) - m0
	recipients := map[string]bool{}
	for _, m := range outbox[m0:] {
		recipients[strings.ToLower(m.To)] = true
	}
	s.Unique = len(recipients)
	s.Problems = append(s.Problems, checkTraffic(v.Expect, n, &s)...)

	if s.Apply.ExitCode == 0 {
		state, err := readState(filepath.Join(dir, "terraform.tfstate"))
		if err != nil {
			s.Problems = append(s.Problems, "reading the state: "+err.Error())
		} else {
			s.Problems = append(s.Problems, v.CheckState(state, in)...)
		}
	}

	if c.Plan != planNone && s.Apply.ExitCode == 0 {
		j1 := len(journal)
		plan, err := e.runCLI(ctx, dir, "plan.log", limit, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-parallelism=10")
		if err != nil {
			return s, err
		}
		s.Plan = &plan
		s.PlanSummary = planSummary(filepath.Join(dir, "plan.log"))
		after, err := st.journal()
		if err != nil {
			return s, err
		}
		if s.PlanRequests, err = st.statuses(j1, len(after)-j1); err != nil {
			return s, err
		}
		if plan.CutOff {
			s.Notes = append(s.Notes, fmt.Sprintf("plan cut off after %s", limit.Round(time.Second)))
		} else if c.Plan == planNoChange || c.Plan == planNoChangeAddOne {
			if plan.ExitCode != 0 {
				s.Problems = append(s.Problems, fmt.Sprintf("the plan after apply exited with %d (0 means no changes):\n%s",
					plan.ExitCode, indent(tail(filepath.Join(dir, "plan.log"), 25))))
			}
			if len(after) != j1 {
				s.Problems = append(s.Problems, fmt.Sprintf("the no-change plan sent %d API requests, want 0", len(after)-j1))
			}
		}
		if c.Plan == planNoChangeAddOne && !plan.CutOff && plan.ExitCode == 0 {
			if err := e.planAddOne(ctx, c, dir, st, len(after), limit, &s); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

// addOneSummary is the plan summary of a configuration with one address
// more: the address's chunk is updated, nothing else.
const addOneSummary = "Plan: 0 to add, 1 to change, 0 to destroy."

// planAddOne renders the configuration again with one address more (an
// existing account the apply did not mail) and times a plan of it, which
// must update exactly one resource and send nothing: planning reads nothing
// from the API.
func (e *benchEnv) planAddOne(ctx context.Context, c benchCase, dir string, st *standin, j0 int, limit time.Duration, s *sample) error {
	if c.N+1 > len(e.emails) {
		return fmt.Errorf("no account left for the address to add: %d accounts for N=%d", len(e.emails), c.N)
	}
	in := runInput{N: c.N + 1, BaseURL: st.baseURL, Emails: e.emails[:c.N+1]}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(c.V.Config(in)), 0o600); err != nil { //nolint:gosec // The harness's own temporary directory.
		return err
	}
	plan, err := e.runCLI(ctx, dir, "plan-add-one.log", limit, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-parallelism=10")
	if err != nil {
		return err
	}
	s.AddPlan = &plan
	logPath := filepath.Join(dir, "plan-add-one.log")
	s.AddPlanSummary = planSummary(logPath)
	after, err := st.journal()
	if err != nil {
		return err
	}
	if s.AddPlanRequests, err = st.statuses(j0, len(after)-j0); err != nil {
		return err
	}
	if plan.CutOff {
		s.Notes = append(s.Notes, fmt.Sprintf("the plan after adding one address was cut off after %s", limit.Round(time.Second)))
		return nil
	}
	// -detailed-exitcode: 2 means the plan succeeded with changes.
	if plan.ExitCode != 2 || s.AddPlanSummary != addOneSummary {
		s.Problems = append(s.Problems, fmt.Sprintf("the plan after adding one address exited with %d and said %q, want exit 2 and %q:\n%s",
			plan.ExitCode, s.AddPlanSummary, addOneSummary, indent(tail(logPath, 25))))
	}
	s.AddPlanToMail = plannedToMail(logPath)
	if added := s.AddPlanToMail; len(added) != 1 || added[0] != in.Emails[c.N] {
		s.Problems = append(s.Problems, fmt.Sprintf("the plan after adding one address adds %q to to_mail, want exactly [%q]", added, in.Emails[c.N]))
	}
	if len(after) != j0 {
		s.Problems = append(s.Problems, fmt.Sprintf("the plan after adding one address sent %d API requests, want 0", len(after)-j0))
	}
	return nil
}

// counts returns how many journal entries and mails the stand-in holds.
func (st *standin) counts() (journalLen, outboxLen int, err error) {
	j, err := st.journal()
	if err != nil {
		return 0, 0, err
	}
	o, err := st.outbox()
	return len(j), len(o), err
}

// checkTraffic compares what the stand-in saw during the apply with what the
// variant must send: exactly one request per address (plus 429 refusals where
// allowed), each answered with the expected status, and one mail per address
// for the mailing variants.
func checkTraffic(x expectation, n int, s *sample) []string {
	var problems []string
	want := 0
	if x.Endpoint != "" {
		want = n
	}
	s.Expected = want
	ok := x.Method + " " + x.Endpoint + " " + x.Status
	limited := x.Method + " " + x.Endpoint + " 429"
	accepted := 0
	for line, count := range s.Statuses {
		switch {
		case x.Endpoint != "" && line == ok:
			accepted += count
		case x.Allow429 && line == limited:
			s.Rejected += count
		default:
			problems = append(problems, fmt.Sprintf("unexpected requests: %d x %q", count, line))
		}
	}
	if accepted != want {
		problems = append(problems, fmt.Sprintf("REQUEST COUNT MISMATCH: %d requests got %s, want %d (lost or duplicated)", accepted, x.Status, want))
	}
	if accepted+s.Rejected != s.Requests {
		problems = append(problems, fmt.Sprintf("the journal holds %d requests but the request log %d", s.Requests, accepted+s.Rejected))
	}
	wantMails := 0
	if x.Mails {
		wantMails = n
	}
	if s.Mails != wantMails || s.Unique != wantMails {
		problems = append(problems, fmt.Sprintf("MAIL MISMATCH: %d mails to %d addresses, want %d to %d", s.Mails, s.Unique, wantMails, wantMails))
	}
	slices.Sort(problems)
	return problems
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// planSummary returns the line of a plan's output that says what it would do.
func planSummary(logPath string) string {
	b, err := os.ReadFile(logPath) //nolint:gosec // A log in the harness's own temporary directory.
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Plan:") || strings.HasPrefix(line, "No changes.") {
			return line
		}
	}
	return ""
}

// plannedToMail returns the addresses a plan's rendered diff adds to the
// to_mail attributes of the batch resources (the "+" lines of every to_mail
// list), in order: what the plan says the apply will mail.
func plannedToMail(logPath string) []string {
	b, err := os.ReadFile(logPath) //nolint:gosec // A log in the harness's own temporary directory.
	if err != nil {
		return nil
	}
	var added []string
	in := false
	for line := range strings.SplitSeq(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case !in:
			f := strings.Fields(t)
			in = len(f) >= 3 && (f[0] == "~" || f[0] == "+") && f[1] == "to_mail" && strings.HasSuffix(t, "[")
		case strings.HasPrefix(t, "]"):
			in = false
		case strings.HasPrefix(t, "+ "):
			added = append(added, strings.Trim(strings.TrimSuffix(strings.TrimPrefix(t, "+ "), ","), `"`))
		}
	}
	return added
}
