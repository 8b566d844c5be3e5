package charts

import (
	"fmt"
	"math"
	"time"

	"transferlab/metrics"
)

// none is what a table shows for a missing number.
const none = "—"

// pct formats a percentage.
func pct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.2f %%", v)
}

// loss formats a loss.
func loss(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.4f", v)
}

// evalPct is an evaluation's accuracy, or none.
func evalPct(e *metrics.Eval) string {
	if e == nil {
		return none
	}
	return pct(e.Accuracy)
}

// refPct is a reference number; the seed leaves absent ones at zero.
func refPct(v float64) string {
	if v == 0 {
		return none
	}
	return pct(v)
}

func refLoss(v float64) string {
	if v == 0 {
		return none
	}
	return loss(v)
}

// duration formats seconds as 1h02m03s, 2m03s or 4.5 s.
func duration(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 {
		return none
	}
	if s < 60 {
		return fmt.Sprintf("%.1f s", s)
	}
	d := time.Duration(math.Round(s)) * time.Second
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, sec)
	}
	return fmt.Sprintf("%dm%02ds", m, sec)
}

func rate(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return none
	}
	return fmt.Sprintf("%.0f", v)
}

func when(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}
