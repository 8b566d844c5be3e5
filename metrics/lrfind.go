package metrics

// LRPoint is one step of a learning-rate range test.
type LRPoint struct {
	LR       float64 `json:"lr"`
	Loss     float64 `json:"loss"`     // the batch's loss
	Smoothed float64 `json:"smoothed"` // the bias-corrected moving average up to this step
}

// LRFinding is a learning-rate range test's result (transferlab lr-find).
type LRFinding struct {
	Run        string    `json:"run"` // the run the test is for, by the name it would have
	Command    string    `json:"command,omitempty"`
	Points     []LRPoint `json:"points"`
	Diverged   bool      `json:"diverged"`   // stopped before the sweep's last rate
	MinLR      float64   `json:"min_lr"`     // the rate at the smoothed loss's minimum
	Suggestion float64   `json:"suggestion"` // the rate to train at; 0 with NoDescent
	// NoDescent is true when the smoothed loss never fell: its minimum lies
	// in the sweep's first tenth (a network that already fits the data, or
	// a sweep that starts too high), and no rate is suggested.
	NoDescent bool   `json:"no_descent,omitempty"`
	Rule      string `json:"rule"` // how Suggestion follows from the points
}
