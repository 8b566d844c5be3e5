package metrics

import (
	"fmt"
	"strings"
)

// Layer is one layer of a run's network in its model summary (as Keras's
// summary() or Lightning's ModelSummary): what "last" freezes and "all"
// trains.
type Layer struct {
	Name      string  `json:"name"` // conv1, fc3, ...
	Shapes    [][]int `json:"shapes"`
	Params    int64   `json:"params"`
	Trainable bool    `json:"trainable"`
}

// ShapeString is the layer's parameter shapes, as "84x120 + 84".
func (l Layer) ShapeString() string {
	shapes := make([]string, len(l.Shapes))
	for i, s := range l.Shapes {
		shapes[i] = strings.Trim(strings.ReplaceAll(fmt.Sprint(s), " ", "x"), "[]")
	}
	return strings.Join(shapes, " + ")
}

// State is "trained" or "frozen".
func (l Layer) State() string {
	if l.Trainable {
		return "trained"
	}
	return "frozen"
}

// Totals is the parameter count of layers, in all and of those that train.
func Totals(layers []Layer) (total, trained int64) {
	for _, l := range layers {
		total += l.Params
		if l.Trainable {
			trained += l.Params
		}
	}
	return total, trained
}

// SummaryLines prints layers as an aligned table with the totals.
func SummaryLines(layers []Layer) []string {
	lines := []string{fmt.Sprintf("%-8s %-26s %12s  %s", "layer", "shapes", "parameters", "")}
	for _, l := range layers {
		lines = append(lines, fmt.Sprintf("%-8s %-26s %12d  %s", l.Name, l.ShapeString(), l.Params, l.State()))
	}
	total, trained := Totals(layers)
	return append(lines, fmt.Sprintf("%-8s %-26s %12d  %d trained, %d frozen", "total", "", total, trained, total-trained))
}
