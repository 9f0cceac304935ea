// Command bench measures what sending CleverMaps password-reset mails and
// verifying reset tokens costs under a real CLI (OpenTofu), side by side with
// the CLI's own cost for the same number of resources and with what users
// write without this provider: local-exec curl, Mastercard/restapi and
// hashicorp/http.
//
// Every apply runs in a fresh directory against a fresh stand-in API on
// 127.0.0.1. Variants are run round-robin, so that a slow minute of the
// machine spreads over all of them instead of skewing one. The harness checks
// the traffic each apply caused against what it must cause and fails when a
// request was lost or duplicated.
//
// The harness is its own module under tools/bench, so that the provider's
// module (what users build, vet and lint) does not carry it. It imports
// nothing from the provider: it builds the provider and the stand-in command
// from the repository with `go build` and runs them as processes, as the CLI
// would.
//
// Run it through `make bench`, which builds the pinned CLI and peer providers
// first, or from tools/bench:
//
//	go run . [-quick] [-repeats K] [-out DIR] [-only ID,...] [-repo DIR] [-tofu PATH] [-restapi PATH] [-http PATH] [-keep]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// benchCase is one variant at one size, repeated Repeats times.
type benchCase struct {
	V       *variant
	N       int
	Repeats int
	Plan    planMode
}

func (c benchCase) String() string { return fmt.Sprintf("%s N=%d", c.V.ID, c.N) }

// caseResult collects the runs of one case.
type caseResult struct {
	Case    benchCase
	Samples []sample
	Skipped string   // why the case was not run
	Errors  []string // runs that could not be carried out at all
}

type options struct {
	quick       bool
	repeats     int
	out         string
	repo        string // the provider's repository root
	tofu        string
	restapi     string
	http        string
	keep        bool
	goBenchmark bool
	only        map[string]bool // variant IDs to run; empty for all
	limit       time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func parseOptions(args []string) (options, error) {
	cache := defaultCacheDir()
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&o.quick, "quick", false, "smoke run: N=100 (the chunked variant N=2,000), one repeat")
	fs.IntVar(&o.repeats, "repeats", 3, "repeats at N=100 and of the token reads at N=1,000; floor, single and batch resource at N=1,000, the rate-limited and latency runs and the batch at N=10,000 get one fewer, curl and restapi at N=1,000 and the rate-limited batch without requests_per_second at N=3,000 two fewer (at least 1); the 100,000-address chunked run always runs once")
	fs.DurationVar(&o.limit, "limit", 15*time.Minute, "stop any single CLI run after this long and report it as cut off")
	fs.StringVar(&o.out, "out", "", "write README.md and chart.svg into this directory (default: print only)")
	fs.StringVar(&o.repo, "repo", "", "the provider's repository root (default: the nearest directory above the working directory whose go.mod is the provider's)")
	fs.StringVar(&o.tofu, "tofu", filepath.Join(cache, "tofu-1.12.6"), "OpenTofu binary")
	fs.StringVar(&o.restapi, "restapi", filepath.Join(cache, "terraform-provider-restapi-1.20.0"), "Mastercard/terraform-provider-restapi binary (variant skipped when missing)")
	fs.StringVar(&o.http, "http", filepath.Join(cache, "terraform-provider-http-1.2.0"), "hashicorp/terraform-provider-http binary (variant skipped when missing)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (configurations, states, logs)")
	fs.BoolVar(&o.goBenchmark, "go-bench", true, "also run the Go benchmarks of the client and of a token read")
	fs.Func("only", "run only these variants, comma-separated: "+strings.Join(variantIDs(), ","), func(v string) error {
		o.only = map[string]bool{}
		for id := range strings.SplitSeq(v, ",") {
			if !slices.Contains(variantIDs(), id) {
				return fmt.Errorf("unknown variant %q", id)
			}
			o.only[id] = true
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.repeats < 1 {
		return o, errors.New("-repeats must be at least 1")
	}
	return o, nil
}

// providerModule is the module path of the provider, which the harness builds.
const providerModule = "github.com/clevermaps/terraform-provider-clevermaps"

// findRepo walks up from the working directory to the provider's repository
// root: `go run .` runs the harness in tools/bench, two levels below it.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isProviderRepo(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no directory above the working directory holds the go.mod of %s; pass -repo", providerModule)
		}
		dir = parent
	}
}

// isProviderRepo reports whether dir/go.mod declares the provider's module.
func isProviderRepo(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod")) //nolint:gosec // A go.mod the person running the harness pointed at.
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return f[1] == providerModule
		}
	}
	return false
}

// defaultCacheDir is where the GNUmakefile caches its tools.
func defaultCacheDir() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "terraform-provider-clevermaps", "bin")
}

// allVariants lists every variant in table order.
var allVariants = []*variant{floorVariant, requestVariant, batchVariant, batchBeforeVariant, curlVariant, restapiVariant, tokenVariant, httpVariant,
	batchLimitedVariant, batchAdaptiveVariant, batchLatencyVariant, chunksVariant}

func variantIDs() []string {
	ids := make([]string, len(allVariants))
	for i, v := range allVariants {
		ids[i] = v.ID
	}
	return ids
}

// chunksLimit bounds each CLI run of the chunked case. On two cores at a
// load average of 18 its apply took 115 s and each plan 140 s.
const chunksLimit = 5 * time.Minute

// planCases lists what to measure. Repeats shrink with N so that a full run
// fits in about a quarter of an hour on two cores: an apply of 1,000
// resources alone takes the CLI some 40 s there.
func planCases(o options) []benchCase {
	perResource := []*variant{floorVariant, requestVariant, batchVariant, curlVariant, restapiVariant, tokenVariant, httpVariant}
	var cases []benchCase
	add := func(n, repeats int, vs ...*variant) {
		for _, v := range vs {
			if len(o.only) > 0 && !o.only[v.ID] {
				continue
			}
			c := benchCase{V: v, N: n, Repeats: max(1, repeats)}
			switch {
			case v == batchVariant, v == batchBeforeVariant:
				c.Plan = planNoChange
			case v == chunksVariant:
				c.Plan = planNoChangeAddOne
			case v == restapiVariant && n <= 100:
				c.Plan = planProbe
			}
			cases = append(cases, c)
		}
	}
	if o.quick {
		add(100, 1, perResource...)
		add(100, 1, batchLimitedVariant, batchAdaptiveVariant, batchLatencyVariant)
		add(2000, 1, chunksVariant)
		return cases
	}
	add(100, o.repeats, perResource...)
	add(adaptiveN, o.repeats-1, batchAdaptiveVariant)
	// About 70 s each, nearly all of it the pacing, which varies little.
	add(adaptiveLongN, o.repeats-2, batchAdaptiveVariant)
	add(rateLimitedN, o.repeats-1, batchLimitedVariant)
	// At N=1,000 the variants the targets compare get one repeat more than
	// the peers, whose managed-resource applies cost as much as the floor.
	add(1000, o.repeats-1, floorVariant, requestVariant, batchVariant, batchLatencyVariant)
	// The token reads take seconds, so they get the full repeats: their
	// target compares two medians of about the same size.
	add(1000, o.repeats, tokenVariant, httpVariant)
	add(1000, o.repeats-2, curlVariant, restapiVariant)
	add(10000, o.repeats-1, batchVariant, batchBeforeVariant)
	// One run: its apply alone sends 100,000 requests.
	add(chunksN, 1, chunksVariant)
	return cases
}

func run(ctx context.Context, args []string) (int, error) {
	started, loadStart := time.Now(), loadAverage()
	o, err := parseOptions(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, err
	}
	if o.repo == "" {
		if o.repo, err = findRepo(); err != nil {
			return 2, err
		}
	} else if !isProviderRepo(o.repo) {
		return 2, fmt.Errorf("-repo %s: no go.mod of module %s there", o.repo, providerModule)
	}
	if _, err := os.Stat(o.tofu); err != nil {
		return 2, fmt.Errorf("OpenTofu not found at %s; run `make bench`, which builds it", o.tofu)
	}

	work, err := os.MkdirTemp("", "clevermaps-bench-")
	if err != nil {
		return 1, err
	}
	if o.keep {
		fmt.Println("work directory kept:", work)
	} else {
		defer os.RemoveAll(work)
	}

	cases := planCases(o)
	env, skips, err := prepare(ctx, o, work, cases)
	if err != nil {
		return 1, err
	}

	results := make([]*caseResult, len(cases))
	var runnable []int
	for i, c := range cases {
		results[i] = &caseResult{Case: c, Skipped: skips[c.V.Needs]}
		if results[i].Skipped == "" {
			runnable = append(runnable, i)
		} else if c.N == 100 || o.quick {
			fmt.Printf("skipping %s: %s\n", c.V.Label, results[i].Skipped)
		}
	}

	if err := warmUp(ctx, env, cases, results); err != nil {
		return 1, err
	}
	if err := runRounds(ctx, env, cases, results, runnable); err != nil {
		return 1, err
	}

	var goBench string
	if o.goBenchmark {
		fmt.Println("\n== Go benchmarks of the client and of a token read")
		goBench, err = runGoBenchmarks(ctx, o.repo)
		fmt.Print(goBench)
		if err != nil {
			return 1, err
		}
	}

	rep := &report{
		Results:  results,
		Targets:  evaluateTargets(results),
		Machine:  describeMachine(ctx, o.tofu, loadStart),
		GoBench:  goBench,
		Quick:    o.quick,
		Repeats:  o.repeats,
		Duration: time.Since(started),
	}
	fmt.Println()
	fmt.Print(rep.text())
	if o.out != "" {
		if err := rep.write(o.out); err != nil {
			return 1, err
		}
		fmt.Printf("\nwrote %s and %s\n", filepath.Join(o.out, "README.md"), filepath.Join(o.out, "chart.svg"))
	}
	fmt.Printf("\ntotal duration: %s\n", time.Since(started).Round(time.Second))
	if problems := rep.problemCount(); problems > 0 {
		return 1, fmt.Errorf("%d run(s) had problems (see above): the results are not trustworthy", problems)
	}
	return 0, nil
}

// buildBaseline builds the provider at baselineCommit from the repository's
// history into its own plugin directory and returns that directory. A
// shallow clone without that commit, or a failed build, is an error that
// skips the variant.
func buildBaseline(ctx context.Context, repo, work string) (string, error) {
	fmt.Println("building the provider as of", baselineCommit[:7], "...")
	src := filepath.Join(work, "baseline-src")
	dir := filepath.Join(work, "plugins-baseline")
	for _, d := range []string{src, dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	archive := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", baselineCommit)
	extract := exec.CommandContext(ctx, "tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	extract.Stdin = pipe
	var stderr bytes.Buffer
	archive.Stderr = &stderr
	if err := extract.Start(); err != nil {
		return "", err
	}
	if err := archive.Run(); err != nil {
		_ = extract.Wait()
		return "", fmt.Errorf("the repository has no commit %s (a shallow clone?): %s", baselineCommit[:7], strings.TrimSpace(stderr.String()))
	}
	if err := extract.Wait(); err != nil {
		return "", fmt.Errorf("extracting %s: %w", baselineCommit[:7], err)
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "terraform-provider-clevermaps"), ".") //nolint:gosec // The path is under the harness's own work directory.
	build.Dir = src
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building the provider as of %s: %w", baselineCommit[:7], err)
	}
	return dir, nil
}

// prepare builds the provider and the stand-in, lays out the plugin
// directory and CLI configuration, and finds out which optional variants can
// run (by Needs, with the reason when not).
func prepare(ctx context.Context, o options, work string, cases []benchCase) (*benchEnv, map[string]string, error) {
	fmt.Println("building the provider and the stand-in ...")
	plugins := filepath.Join(work, "plugins")
	standinBin := filepath.Join(work, "clevermaps-standin")
	for _, b := range [][]string{
		{"build", "-o", filepath.Join(plugins, "terraform-provider-clevermaps"), "."},
		{"build", "-o", standinBin, "./cmd/clevermaps-standin"},
	} {
		cmd := exec.CommandContext(ctx, "go", b...)
		cmd.Dir = o.repo
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, nil, fmt.Errorf("go %s: %w", strings.Join(b, " "), err)
		}
	}

	skips := map[string]string{}
	if _, err := exec.LookPath("curl"); err != nil {
		skips["curl"] = "curl is not on PATH, so the local-exec variant cannot run (the harness installs nothing)"
	}
	// Every provider, peers included, is served through dev_overrides, so no
	// variant pays for `init` or lock-file checks and all start alike.
	overrides := []string{"registry.opentofu.org/clevermaps/clevermaps"}
	for _, peer := range []struct{ needs, bin, name, address, target string }{
		{"restapi", o.restapi, "terraform-provider-restapi", "registry.opentofu.org/mastercard/restapi", "$(CACHE_DIR)/terraform-provider-restapi-1.20.0"},
		{"http", o.http, "terraform-provider-http", "registry.opentofu.org/hashicorp/http", "$(CACHE_DIR)/terraform-provider-http-1.2.0"},
	} {
		if _, err := os.Stat(peer.bin); err != nil {
			skips[peer.needs] = fmt.Sprintf("%s is missing; `make bench` builds it as %s", peer.bin, peer.target)
			continue
		}
		if err := os.Symlink(peer.bin, filepath.Join(plugins, peer.name)); err != nil {
			return nil, nil, err
		}
		overrides = append(overrides, peer.address)
	}
	var tfrc strings.Builder
	tfrc.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, a := range overrides {
		fmt.Fprintf(&tfrc, "    %q = %q\n", a, plugins)
	}
	if slices.ContainsFunc(cases, func(c benchCase) bool { return c.V.Needs == "baseline" }) {
		dir, err := buildBaseline(ctx, o.repo, work)
		if err != nil {
			skips["baseline"] = err.Error()
		} else {
			fmt.Fprintf(&tfrc, "    %q = %q\n", "registry.opentofu.org/"+baselineSource, dir)
		}
	}
	tfrc.WriteString("  }\n  direct {\n    exclude = [\"*/*/*\"]\n  }\n}\n")
	tfrcPath := filepath.Join(work, "bench.tfrc")
	if err := os.WriteFile(tfrcPath, []byte(tfrc.String()), 0o600); err != nil {
		return nil, nil, err
	}

	// One accounts file per number of addresses a case needs: the stand-in
	// takes seconds to load 100,000 accounts, which the runs that need a few
	// hundred should not wait for.
	needs := []int{}
	for _, c := range cases {
		n := c.N
		if c.Plan == planNoChangeAddOne {
			n++ // the address the plan after the apply adds
		}
		needs = append(needs, n)
	}
	slices.Sort(needs)
	needs = slices.Compact(needs)
	maxN := 0
	if len(needs) > 0 {
		maxN = needs[len(needs)-1]
	}
	emails := make([]string, maxN)
	for i := range emails {
		emails[i] = fmt.Sprintf("bench-%05d@example.com", i)
	}
	var accounts []accountsFile
	for _, n := range needs {
		path := filepath.Join(work, fmt.Sprintf("accounts-%d.json", n))
		if err := writeAccounts(path, emails[:n]); err != nil {
			return nil, nil, err
		}
		accounts = append(accounts, accountsFile{n: n, path: path})
	}

	return &benchEnv{
		tofu:       o.tofu,
		limit:      o.limit,
		standinBin: standinBin,
		accounts:   accounts,
		workDir:    work,
		cliEnv:     cliEnvironment(tfrcPath),
		emails:     emails,
		keep:       o.keep,
	}, skips, nil
}

// cliEnvironment is the harness's environment without anything that changes
// how the CLI behaves (TF_LOG, a plugin cache, another CLI config), plus the
// settings every run uses.
func cliEnvironment(tfrc string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "CHECKPOINT_")
	})
	return append(env, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE="+tfrc)
}

// warmUp runs every runnable variant once at N=5, unmeasured, so that the
// first measured run does not pay for cold binaries and page cache.
func warmUp(ctx context.Context, env *benchEnv, cases []benchCase, results []*caseResult) error {
	fmt.Println("warming up (every variant once at N=5, not measured) ...")
	seen := map[*variant]bool{}
	for i, c := range cases {
		if seen[c.V] || results[i].Skipped != "" {
			continue
		}
		seen[c.V] = true
		s, err := env.runCase(ctx, benchCase{V: c.V, N: 5, Repeats: 1}, env.limit)
		if err != nil {
			return fmt.Errorf("warm-up of %s: %w", c.V.ID, err)
		}
		for _, p := range s.Problems {
			fmt.Printf("  warm-up %s: %s\n", c.V.ID, p)
		}
	}
	return ctx.Err()
}

// runRounds runs the cases round-robin: round r runs every case that wants
// more than r repeats, starting one case later each round so that no
// variant always follows the same one.
func runRounds(ctx context.Context, env *benchEnv, cases []benchCase, results []*caseResult, runnable []int) error {
	rounds, total := 0, 0
	for _, i := range runnable {
		rounds = max(rounds, cases[i].Repeats)
		total += cases[i].Repeats
	}
	fmt.Printf("measuring %d runs in %d rounds ...\n", total, rounds)
	done := 0
	for r := range rounds {
		var active []int
		for _, i := range runnable {
			if cases[i].Repeats > r {
				active = append(active, i)
			}
		}
		shift := r % len(active)
		for _, i := range append(active[shift:], active[:shift]...) {
			if err := ctx.Err(); err != nil {
				return err
			}
			c := cases[i]
			done++
			s, err := env.runCase(ctx, c, caseLimit(env, c, results))
			if err != nil {
				results[i].Errors = append(results[i].Errors, err.Error())
				fmt.Printf("[%d/%d] %-13s N=%-6d run %d: ERROR %v\n", done, total, c.V.ID, c.N, r+1, err)
				continue
			}
			results[i].Samples = append(results[i].Samples, s)
			fmt.Printf("[%d/%d] %s\n", done, total, progressLine(c, r, s))
			for _, p := range s.Problems {
				fmt.Printf("    !!! %s\n", p)
			}
			for _, n := range s.Notes {
				fmt.Printf("    note: %s\n", n)
			}
		}
	}
	return nil
}

// caseLimit is how long one CLI run of c may take. The N=10,000 batch apply
// is judged against floor(1,000); once it has taken half as long again as
// that, the target is missed whatever its final time, so it is stopped there
// instead of holding up the run (a batch that scales badly could take an
// hour). The one to three minute bounds keep the run within its budget on a
// busy machine; evaluateTargets does not judge a run cut off before floor.
//
// The chunked wave's apply and plans get at most chunksLimit each, so that
// the one case cannot take more than about a quarter of an hour however
// slow the machine is; a plan cut off there was far slower than floor(1,000)
// anyway, so its target is missed.
func caseLimit(env *benchEnv, c benchCase, results []*caseResult) time.Duration {
	if c.V == chunksVariant {
		return min(env.limit, chunksLimit)
	}
	if c.V == batchVariant && c.N == 10000 {
		if floor := median(results, floorVariant.ID, 1000); floor > 0 {
			return min(env.limit, max(time.Minute, min(3*time.Minute, floor*3/2)))
		}
	}
	return env.limit
}

func progressLine(c benchCase, r int, s sample) string {
	line := fmt.Sprintf("%-13s N=%-6d run %d: apply %-8s provider %-8s CLI %-8s requests %d/%d",
		c.V.ID, c.N, r+1, formatSeconds(s.Apply.Wall), formatKiB(s.Apply.Usage.ProviderHWM),
		formatKiB(s.Apply.Usage.CLIHWM), s.Requests-s.Rejected, s.Expected)
	if s.Rejected > 0 {
		line += fmt.Sprintf(" (+%d refused with 429)", s.Rejected)
	}
	if s.Plan != nil {
		line += fmt.Sprintf(", plan %s (exit %d)", formatSeconds(s.Plan.Wall), s.Plan.ExitCode)
	}
	if s.AddPlan != nil {
		line += fmt.Sprintf(", plan +1 address %s (exit %d, %q, %d requests)", formatSeconds(s.AddPlan.Wall), s.AddPlan.ExitCode, s.AddPlanSummary, countAll(s.AddPlanRequests))
	}
	switch {
	case s.Apply.CutOff:
		line += "  CUT OFF"
	case len(s.Problems) == 0:
		line += "  ok"
	default:
		line += "  PROBLEM"
	}
	return line
}

// goBenchmarks are the Go benchmarks the report quotes: the client alone;
// the provider's side of one data "clevermaps_reset_token" (validate and
// read over the plugin protocol, in-process), whose CPU per read explains
// the token row's provider CPU; and the refresh and unchanged plan of a
// 10,000-address batch, the provider's share of that row's no-change plan.
var goBenchmarks = [][]string{
	{"test", "-bench", ".", "-benchmem", "-run", "^$", "-count", "1", "./internal/client/"},
	{"test", "-bench", "^BenchmarkResetTokenRead$", "-benchmem", "-run", "^$", "-count", "1", "./internal/provider/"},
	{"test", "-bench", "^BenchmarkBatchResource$/^N=10000$/^(refresh|plan-no-change)$", "-benchtime", "5x", "-benchmem", "-run", "^$", "-count", "1", "./internal/provider/"},
}

// runGoBenchmarks runs goBenchmarks and returns their output.
func runGoBenchmarks(ctx context.Context, repo string) (string, error) {
	var out bytes.Buffer
	for _, args := range goBenchmarks {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = repo
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return out.String(), fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
	}
	return out.String(), nil
}
