package main

import (
	"fmt"
	"slices"
	"time"
)

// summary condenses the repeated wall times of one case.
type summary struct {
	Median, Min, Max time.Duration
	Runs             int
}

// summarize returns the median (the mean of the middle two for an even count),
// minimum and maximum of ds. It returns a zero summary for no samples.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return summary{Median: median, Min: s[0], Max: s[n-1], Runs: n}
}

// medianOf is the median of f over the samples.
func medianOf(samples []sample, f func(sample) time.Duration) time.Duration {
	ds := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		ds = append(ds, f(s))
	}
	return summarize(ds).Median
}

// ratio is a/b, or false when either is missing.
func ratio(a, b time.Duration) (float64, bool) {
	if a <= 0 || b <= 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

// formatSeconds prints a duration in seconds with precision that suits its
// size: 0.412 s, 4.12 s, 41.2 s, 412 s.
func formatSeconds(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 1:
		return fmt.Sprintf("%.3f s", s)
	case s < 10:
		return fmt.Sprintf("%.2f s", s)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}

// formatKiB prints a size given in KiB as MiB, or "-" for none.
func formatKiB(kib int64) string {
	if kib <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MiB", float64(kib)/1024)
}
