package charts

import (
	"hash/fnv"
	"sort"
)

// runPalette holds the colours runs are drawn in: tab20's ten dark and ten
// light hues and five darker ones, 25 in all, so that a results folder of
// up to 25 runs gives every run its own colour.
var runPalette = []string{
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
	"#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
	"#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
}

// runColours gives each run its colour, the same on every page built from
// one results folder: a colour derived from the run's name (a hash of it
// picks a palette slot). Two runs whose names pick one slot are told apart
// by giving the later name, in name order, the next free slot, so no two
// runs share a colour while there are no more runs than colours; beyond
// that, colours repeat.
func runColours(names []string) map[string]string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	used := make([]bool, len(runPalette))
	free := len(runPalette)
	out := make(map[string]string, len(names))
	for _, n := range sorted {
		if _, done := out[n]; done {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(n))
		slot := int(h.Sum32() % uint32(len(runPalette)))
		if free > 0 {
			for used[slot] {
				slot = (slot + 1) % len(runPalette)
			}
			used[slot] = true
			free--
		}
		out[n] = runPalette[slot]
	}
	return out
}
