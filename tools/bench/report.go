package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is everything a bench run found, rendered as a terminal table and
// as tools/bench/results/README.md plus chart.svg.
type report struct {
	Results  []*caseResult
	Targets  []target
	Machine  machine
	GoBench  string
	Quick    bool
	Repeats  int
	Duration time.Duration
}

type machine struct {
	CPUs       int
	CPUModel   string
	Memory     string
	Kernel     string
	GoVersion  string
	CLIVersion string
	Curl       string
	Date       time.Time
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 minute load
	// averages when the run started and ended: other work on the machine
	// slows every variant.
	LoadStart, LoadEnd string
}

func describeMachine(ctx context.Context, tofu, loadStart string) machine {
	m := machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Date: time.Now().UTC(), LoadStart: loadStart, LoadEnd: loadAverage()}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		if n, err := strconv.ParseInt(strings.TrimSuffix(kb, " kB"), 10, 64); err == nil {
			m.Memory = fmt.Sprintf("%.1f GiB", float64(n)/(1<<20))
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.CLIVersion = firstLine(ctx, tofu, "version")
	if curl, err := exec.LookPath("curl"); err == nil {
		// "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 ...": name and version.
		if f := strings.Fields(firstLine(ctx, curl, "--version")); len(f) >= 2 {
			m.Curl = f[0] + " " + f[1]
		}
	}
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func firstLine(ctx context.Context, bin string, args ...string) string {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

// lookup returns the result of a case, if it was planned.
func lookup(results []*caseResult, id string, n int) *caseResult {
	for _, r := range results {
		if r.Case.V.ID == id && r.Case.N == n {
			return r
		}
	}
	return nil
}

func (r *caseResult) applyWalls() []time.Duration {
	var ds []time.Duration
	for _, s := range r.Samples {
		ds = append(ds, s.Apply.Wall)
	}
	return ds
}

func (r *caseResult) planWalls() []time.Duration {
	var ds []time.Duration
	for _, s := range r.Samples {
		if s.Plan != nil {
			ds = append(ds, s.Plan.Wall)
		}
	}
	return ds
}

// cutOff reports whether any apply of the case was stopped by the harness.
func (r *caseResult) cutOff() bool {
	for _, s := range r.Samples {
		if s.Apply.CutOff {
			return true
		}
	}
	return false
}

func (r *caseResult) problems() int {
	n := len(r.Errors)
	for _, s := range r.Samples {
		if len(s.Problems) > 0 {
			n++
		}
	}
	return n
}

// median returns the median apply wall of a case, or 0 when it has none.
func median(results []*caseResult, id string, n int) time.Duration {
	if r := lookup(results, id, n); r != nil {
		return summarize(r.applyWalls()).Median
	}
	return 0
}

func (rep *report) problemCount() int {
	n := 0
	for _, r := range rep.Results {
		n += r.problems()
	}
	return n
}

// row is one line of the results table.
type row struct {
	Variant, N, Median, Range, Runs, Ratio, ProviderRSS, CLIRSS, Requests string
}

var tableHeader = row{"Variant", "N", "Median wall", "Min-max", "Runs", "x floor(N)", "Provider peak RSS", "CLI peak RSS", "Requests seen/expected"}

func (rep *report) rows() []row {
	var rows []row
	for _, r := range rep.Results {
		c := r.Case
		base := row{Variant: c.V.Label, N: fmt.Sprint(c.N)}
		switch {
		case r.Skipped != "":
			base.Median = "skipped: " + r.Skipped
			rows = append(rows, base)
			continue
		case len(r.Samples) == 0:
			base.Median = "FAILED: " + strings.Join(r.Errors, "; ")
			rows = append(rows, base)
			continue
		}
		floor := median(rep.Results, floorVariant.ID, c.N)
		apply := base
		sum := summarize(r.applyWalls())
		fillTiming(&apply, sum, floor)
		if r.cutOff() {
			apply.Median = "> " + formatSeconds(sum.Min) + " (cut off)"
			apply.Range = "-"
			if x, ok := ratio(sum.Min, floor); ok {
				apply.Ratio = fmt.Sprintf("> %.2f", x)
			}
		}
		var providerRSS, cliRSS int64
		for _, s := range r.Samples {
			providerRSS = max(providerRSS, s.Apply.Usage.ProviderHWM)
			cliRSS = max(cliRSS, s.Apply.Usage.CLIHWM)
		}
		apply.ProviderRSS, apply.CLIRSS = formatKiB(providerRSS), formatKiB(cliRSS)
		apply.Requests = requestsCell(r)
		rows = append(rows, apply)

		if c.Plan == planNoChange || c.Plan == planNoChangeAddOne {
			rows = appendPlanRow(rows, r, "  then a no-change plan", floor, func(s sample) (*cliRun, map[string]int) { return s.Plan, s.PlanRequests })
		}
		if c.Plan == planNoChangeAddOne {
			rows = appendPlanRow(rows, r, "  then a plan after adding one address", floor, func(s sample) (*cliRun, map[string]int) { return s.AddPlan, s.AddPlanRequests })
		}
	}
	return rows
}

// appendPlanRow adds a row for the plans that pick selects from each run,
// if any ran: their timing, peak RSS and the requests they sent (want 0).
func appendPlanRow(rows []row, r *caseResult, label string, floor time.Duration, pick func(sample) (*cliRun, map[string]int)) []row {
	var walls []time.Duration
	var providerRSS, cliRSS int64
	seen := 0
	for _, s := range r.Samples {
		p, requests := pick(s)
		if p == nil {
			continue
		}
		walls = append(walls, p.Wall)
		providerRSS = max(providerRSS, p.Usage.ProviderHWM)
		cliRSS = max(cliRSS, p.Usage.CLIHWM)
		seen += countAll(requests)
	}
	if len(walls) == 0 {
		return rows
	}
	plan := row{Variant: label, N: fmt.Sprint(r.Case.N)}
	fillTiming(&plan, summarize(walls), floor)
	plan.ProviderRSS, plan.CLIRSS = formatKiB(providerRSS), formatKiB(cliRSS)
	plan.Requests = fmt.Sprintf("%d/0", seen)
	return append(rows, plan)
}

func (r *caseResult) addPlanWalls() []time.Duration {
	var ds []time.Duration
	for _, s := range r.Samples {
		if s.AddPlan != nil {
			ds = append(ds, s.AddPlan.Wall)
		}
	}
	return ds
}

func fillTiming(r *row, s summary, floor time.Duration) {
	r.Median = formatSeconds(s.Median)
	r.Range = formatSeconds(s.Min) + " - " + formatSeconds(s.Max)
	r.Runs = fmt.Sprint(s.Runs)
	r.Ratio = "-"
	if x, ok := ratio(s.Median, floor); ok {
		r.Ratio = fmt.Sprintf("%.2f", x)
	}
}

// requestsCell says what the stand-in saw: one value when every run agreed.
func requestsCell(r *caseResult) string {
	var cells []string
	for _, s := range r.Samples {
		cell := fmt.Sprintf("%d/%d", s.Requests-s.Rejected, s.Expected)
		if s.Apply.CutOff {
			cell += " so far (cut off)"
		}
		if s.Rejected > 0 {
			cell += fmt.Sprintf(" +%d x 429", s.Rejected)
		}
		if len(s.Problems) > 0 {
			cell += " MISMATCH"
		}
		cells = append(cells, cell)
	}
	if len(r.Errors) > 0 {
		cells = append(cells, fmt.Sprintf("%d run(s) FAILED", len(r.Errors)))
	}
	if compacted := slices.Compact(slices.Clone(cells)); len(compacted) == 1 {
		return compacted[0]
	}
	return strings.Join(cells, ", ")
}

// text renders the results for the terminal.
func (rep *report) text() string {
	rows := append([]row{tableHeader}, rep.rows()...)
	cols := func(r row) []string {
		return []string{r.Variant, r.N, r.Median, r.Range, r.Runs, r.Ratio, r.ProviderRSS, r.CLIRSS, r.Requests}
	}
	widths := make([]int, len(cols(tableHeader)))
	for _, r := range rows {
		for i, c := range cols(r) {
			if !strings.HasPrefix(c, "skipped: ") && !strings.HasPrefix(c, "FAILED: ") {
				widths[i] = max(widths[i], len(c))
			}
		}
	}
	var b strings.Builder
	for i, r := range rows {
		for j, c := range cols(r) {
			if j == len(widths)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", widths[j], c)
			}
		}
		b.WriteString("\n")
		if i == 0 {
			for j, w := range widths {
				b.WriteString(strings.Repeat("-", max(w, 3)))
				if j < len(widths)-1 {
					b.WriteString("  ")
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nTargets:\n")
	for _, t := range rep.Targets {
		fmt.Fprintf(&b, "  [%s] %s: %s\n", t.status(), t.Name, t.Measured)
	}
	return b.String()
}

// write renders README.md and chart.svg into dir.
func (rep *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Documentation for everyone to read, hence world-readable.
	if err := os.WriteFile(filepath.Join(dir, "chart.svg"), []byte(rep.chart()), 0o644); err != nil { //nolint:gosec // See above.
		return err
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(rep.markdown()), 0o644) //nolint:gosec // See above.
}

// variantColors keeps a variant's colour the same in every group.
var variantColors = map[string]string{
	"floor":         "#9e9e9e",
	"request":       "#1f77b4",
	"batch":         "#2ca02c",
	"batch-rl":      "#98df8a",
	"batch-rl-auto": "#17becf",
	"batch-lat":     "#bcbd22",
	"chunks":        "#006d2c",
	"curl":          "#ff7f0e",
	"restapi":       "#d62728",
	"token":         "#9467bd",
	"http":          "#8c564b",
}

func (rep *report) chart() string {
	var groups []chartGroup
	byN := map[int]int{}
	for _, r := range rep.Results {
		if len(r.Samples) == 0 {
			continue
		}
		c := r.Case
		gi, ok := byN[c.N]
		if !ok {
			gi = len(groups)
			byN[c.N] = gi
			groups = append(groups, chartGroup{Title: fmt.Sprintf("N = %s", thousands(c.N))})
		}
		floor := median(rep.Results, floorVariant.ID, c.N)
		add := func(label, color string, s summary) {
			note := ""
			if x, ok := ratio(s.Median, floor); ok && c.V != floorVariant {
				note = fmt.Sprintf("(%.2f× floor)", x)
			}
			switch {
			case c.V.RateLimit > 0:
				note = fmt.Sprintf("(%.2f× N/R)", s.Median.Seconds()*c.V.RateLimit/float64(c.N))
			case c.V.Latency > 0:
				limit := float64(c.N) * c.V.Latency.Seconds() / defaultBatchConcurrency
				note = fmt.Sprintf("(%.2f× N·latency/concurrency)", s.Median.Seconds()/limit)
			}
			groups[gi].Bars = append(groups[gi].Bars, chartBar{Label: label, Color: color, Median: s.Median, Min: s.Min, Max: s.Max, Note: note})
		}
		add(c.V.Label, variantColors[c.V.ID], summarize(r.applyWalls()))
		if r.cutOff() {
			bar := &groups[gi].Bars[len(groups[gi].Bars)-1]
			bar.CutOff, bar.Note = true, "cut off: did not finish"
		}
		if (c.Plan == planNoChange || c.Plan == planNoChangeAddOne) && len(r.planWalls()) > 0 {
			add("↳ then a no-change plan", "#bcd9b5", summarize(r.planWalls()))
		}
		if c.Plan == planNoChangeAddOne && len(r.addPlanWalls()) > 0 {
			add("↳ then a plan after adding one address", "#dbe9d7", summarize(r.addPlanWalls()))
		}
	}
	title := "Apply wall time by variant: OpenTofu, -parallelism=10, stand-in API on 127.0.0.1"
	subtitle := fmt.Sprintf("%s; %d CPUs (%s); %s", rep.Machine.CLIVersion, rep.Machine.CPUs, rep.Machine.CPUModel, rep.Machine.Date.Format("2006-01-02"))
	return renderChart(title, subtitle, groups)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
