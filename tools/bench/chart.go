package main

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// chartBar is one bar: a median with its min-max range.
type chartBar struct {
	Label    string
	Color    string
	Median   time.Duration
	Min, Max time.Duration
	Note     string // printed after the value, e.g. "(1.03× floor)"
	CutOff   bool   // the run was stopped: the bar is a lower bound
}

// chartGroup is the bars of one size N.
type chartGroup struct {
	Title string
	Bars  []chartBar
}

// Chart geometry in pixels.
const (
	chartWidth   = 980
	labelWidth   = 380 // left column with the bar labels
	plotLeft     = labelWidth + 10
	plotRight    = chartWidth - 150 // room for the value labels
	barHeight    = 16
	barGap       = 5
	groupGap     = 14
	groupTitleH  = 22
	chartTop     = 64
	axisHeight   = 40
	chartFontCSS = "font-family:sans-serif;font-size:12px"
)

// logScale maps durations to x positions between plotLeft and plotRight on
// a log10 axis spanning whole decades around lo and hi.
type logScale struct{ loExp, hiExp float64 }

func newLogScale(lo, hi time.Duration) logScale {
	l := math.Floor(math.Log10(max(lo.Seconds(), 1e-3)))
	h := math.Ceil(math.Log10(max(hi.Seconds(), 1e-3)))
	if h <= l {
		h = l + 1
	}
	return logScale{loExp: l, hiExp: h}
}

func (s logScale) x(d time.Duration) float64 {
	v := math.Log10(max(d.Seconds(), math.Pow(10, s.loExp)))
	return plotLeft + (v-s.loExp)/(s.hiExp-s.loExp)*(plotRight-plotLeft)
}

// renderChart draws horizontal bars of median wall time on a log axis,
// grouped by N, with min-max whiskers. It uses nothing but SVG text.
func renderChart(title, subtitle string, groups []chartGroup) string {
	var lo, hi time.Duration
	bars := 0
	for _, g := range groups {
		for _, b := range g.Bars {
			if lo == 0 || b.Min < lo {
				lo = b.Min
			}
			hi = max(hi, b.Max, b.Median)
			bars++
		}
	}
	scale := newLogScale(lo, hi)
	height := chartTop + len(groups)*(groupTitleH+groupGap) + bars*(barHeight+barGap) + axisHeight

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" style="%s">`+"\n",
		chartWidth, height, chartWidth, height, chartFontCSS)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	fmt.Fprintf(&b, `<text x="12" y="24" style="font-size:16px;font-weight:bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&b, `<text x="12" y="44" fill="#555">%s</text>`+"\n", esc(subtitle))

	plotBottom := height - axisHeight
	// Grid lines at 1, 2 and 5 of every decade; 2 and 5 are labelled only
	// when a decade is wide enough for their labels not to collide.
	decadeWidth := float64(plotRight-plotLeft) / (scale.hiExp - scale.loExp)
	for e := scale.loExp; e < scale.hiExp+0.5; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if math.Log10(v) > scale.hiExp+1e-9 {
				break
			}
			x := scale.x(time.Duration(v * float64(time.Second)))
			stroke := "#e4e4e4"
			if m == 1 {
				stroke = "#c8c8c8"
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", x, chartTop-6, x, plotBottom, stroke)
			if m == 1 || decadeWidth >= 160 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x, plotBottom+16, esc(axisLabel(v)))
			}
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">median wall time of the apply (log scale); whiskers: min-max</text>`+"\n",
		(plotLeft+plotRight)/2, plotBottom+34)

	y := chartTop
	for _, g := range groups {
		fmt.Fprintf(&b, `<text x="12" y="%d" style="font-weight:bold">%s</text>`+"\n", y+15, esc(g.Title))
		y += groupTitleH
		for _, bar := range g.Bars {
			mid := float64(y) + barHeight/2.0
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", labelWidth, mid, esc(bar.Label))
			x1 := scale.x(bar.Median)
			text := formatSeconds(bar.Median)
			style := ""
			if bar.CutOff {
				text = "> " + text
				style = ` fill-opacity="0.45" stroke="#222" stroke-dasharray="4 3"`
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"%s><title>%s: %s</title></rect>`+"\n",
				plotLeft, y, max(x1-plotLeft, 1), barHeight, bar.Color, style, esc(bar.Label), esc(text))
			if bar.Max > bar.Min {
				xa, xb := scale.x(bar.Min), scale.x(bar.Max)
				fmt.Fprintf(&b, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" stroke="#222" fill="none"/>`+"\n",
					xa, mid, xb, xa, mid-4, mid+4, xb, mid-4, mid+4)
			}
			if bar.Note != "" {
				text += "  " + bar.Note
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", max(x1, scale.x(bar.Max))+6, mid, esc(text))
			y += barHeight + barGap
		}
		y += groupGap
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// axisLabel prints a tick value in seconds without trailing zeros.
func axisLabel(v float64) string {
	if v < 1 {
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".") + " s"
	}
	return fmt.Sprintf("%.0f s", v)
}

func esc(s string) string { return html.EscapeString(s) }
