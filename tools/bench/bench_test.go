package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	s := time.Second
	tests := []struct {
		in   []time.Duration
		want summary
	}{
		{nil, summary{}},
		{[]time.Duration{3 * s}, summary{Median: 3 * s, Min: 3 * s, Max: 3 * s, Runs: 1}},
		{[]time.Duration{5 * s, 1 * s, 3 * s}, summary{Median: 3 * s, Min: s, Max: 5 * s, Runs: 3}},
		{[]time.Duration{4 * s, 1 * s, 2 * s, 9 * s}, summary{Median: 3 * s, Min: s, Max: 9 * s, Runs: 4}},
	}
	for _, tc := range tests {
		if got := summarize(tc.in); got != tc.want {
			t.Errorf("summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := []time.Duration{3, 1, 2}
	summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("input reordered to %v", in)
	}
}

func TestRatio(t *testing.T) {
	if r, ok := ratio(3*time.Second, 2*time.Second); !ok || r != 1.5 {
		t.Errorf("ratio(3s, 2s) = %v, %v; want 1.5, true", r, ok)
	}
	if _, ok := ratio(time.Second, 0); ok {
		t.Error("ratio with a missing denominator reported ok")
	}
}

func TestFormatSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		412 * time.Millisecond:   "0.412 s",
		4120 * time.Millisecond:  "4.12 s",
		41200 * time.Millisecond: "41.2 s",
		412 * time.Second:        "412 s",
	} {
		if got := formatSeconds(d); got != want {
			t.Errorf("formatSeconds(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLogScaleIsMonotonicAndBounded(t *testing.T) {
	s := newLogScale(300*time.Millisecond, 45*time.Second)
	if s.loExp != -1 || s.hiExp != 2 {
		t.Fatalf("decades %v..%v, want -1..2", s.loExp, s.hiExp)
	}
	prev := 0.0
	for _, d := range []time.Duration{100 * time.Millisecond, time.Second, 10 * time.Second, 100 * time.Second} {
		x := s.x(d)
		if x <= prev || x < plotLeft || x > plotRight {
			t.Errorf("x(%v) = %v after %v, want increasing within [%d, %d]", d, x, prev, plotLeft, plotRight)
		}
		prev = x
	}
	if got, want := s.x(time.Second)-s.x(100*time.Millisecond), s.x(100*time.Second)-s.x(10*time.Second); got-want > 1e-9 || want-got > 1e-9 {
		t.Errorf("decades have different widths: %v and %v", got, want)
	}
}

func TestRenderChartIsWellFormedSVG(t *testing.T) {
	svg := renderChart("Wall time <&>", "2 CPUs", []chartGroup{
		{Title: "N = 100", Bars: []chartBar{
			{Label: "floor", Color: "#999", Median: time.Second, Min: 900 * time.Millisecond, Max: 1100 * time.Millisecond},
			{Label: `"request" x N`, Color: "#36c", Median: 2 * time.Second, Min: 2 * time.Second, Max: 2 * time.Second, Note: "(2.00× floor)"},
		}},
		{Title: "N = 1000", Bars: []chartBar{
			{Label: "floor", Color: "#999", Median: 40 * time.Second, Min: 39 * time.Second, Max: 41 * time.Second},
			{Label: "batch", Color: "#2a2", Median: 95 * time.Second, Min: 95 * time.Second, Max: 95 * time.Second, CutOff: true},
		}},
	})
	dec := xml.NewDecoder(strings.NewReader(svg))
	rects := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	if rects != 5 { // background plus four bars
		t.Errorf("%d rect elements, want 5", rects)
	}
	for _, want := range []string{"Wall time &lt;&amp;&gt;", "N = 1000", "(2.00× floor)", "&#34;request&#34; x N", "10 s", "&gt; 95.0 s", "stroke-dasharray"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestHCLStringEscapesTemplates(t *testing.T) {
	if got, want := hclString(`a"b\c${x}%{y}`), `"a\"b\\c$${x}%%{y}"`; got != want {
		t.Errorf("hclString = %s, want %s", got, want)
	}
}

func TestCheckTraffic(t *testing.T) {
	x := expectation{Method: "POST", Endpoint: "request_reset", Status: "201", Mails: true, Allow429: true}
	ok := sample{Requests: 12, Statuses: map[string]int{"POST request_reset 201": 10, "POST request_reset 429": 2}, Mails: 10, Unique: 10}
	if p := checkTraffic(x, 10, &ok); len(p) != 0 || ok.Rejected != 2 || ok.Expected != 10 {
		t.Errorf("clean run: problems %v, rejected %d, expected %d", p, ok.Rejected, ok.Expected)
	}
	dup := sample{Requests: 11, Statuses: map[string]int{"POST request_reset 201": 11}, Mails: 11, Unique: 10}
	if p := checkTraffic(x, 10, &dup); len(p) != 2 {
		t.Errorf("a duplicated request gave problems %v, want a request and a mail mismatch", p)
	}
	x.Allow429 = false
	limited := sample{Requests: 11, Statuses: map[string]int{"POST request_reset 201": 10, "POST request_reset 429": 1}, Mails: 10, Unique: 10}
	if p := checkTraffic(x, 10, &limited); len(p) == 0 {
		t.Error("a 429 where none is allowed gave no problem")
	}
}

func TestBatchCostUsesOnlySuccessfulRuns(t *testing.T) {
	ok := func(wall, planWall time.Duration) sample {
		return sample{
			Apply:        cliRun{Wall: wall},
			Plan:         &cliRun{Wall: planWall, Usage: usage{CLIHWM: 2048}},
			FirstRequest: time.Second, LastRequest: 2 * time.Second,
		}
	}
	failed := sample{Apply: cliRun{Wall: time.Millisecond, ExitCode: 1}}
	rep := &report{Results: []*caseResult{{
		Case:    benchCase{V: batchVariant, N: 10000},
		Samples: []sample{ok(10*time.Second, 4*time.Second), failed, ok(12*time.Second, 6*time.Second)},
	}}}
	got := rep.batchCost()
	for _, want := range []string{"N=10,000, medians of 2 run(s)", "the apply took 11.0 s", "The no-change plan took 5.00 s", "largest peak RSS 2 MiB"} {
		if !strings.Contains(got, want) {
			t.Errorf("batchCost() lacks %q:\n%s", want, got)
		}
	}
}

// The latency target's physical limit divides by the batch resource's
// default concurrency; the harness keeps its own copy, since it imports
// nothing from the provider.
func TestDefaultBatchConcurrencyMatchesProvider(t *testing.T) {
	b, err := os.ReadFile("../../internal/provider/password_reset_requests_resource.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*defaultBatchConcurrency\s*=\s*(\d+)\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("defaultBatchConcurrency not found in the provider's batch resource")
	}
	if got := string(m[1]); got != strconv.Itoa(defaultBatchConcurrency) {
		t.Errorf("the provider's default batch concurrency is %s, the harness assumes %d", got, defaultBatchConcurrency)
	}
}
