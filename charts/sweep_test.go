package charts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sweepLayers is the CNN's axis, head first, as transfer passes it.
var sweepLayers = []string{"fc3", "fc2", "fc1", "conv5", "conv4", "conv3", "conv2", "conv1"}

// syntheticSweep is a depth sweep on target: every depth for mnist and
// fashion (mnist's head-only point twice, as two seeds: 60 and 62) and one
// from-scratch run at 80.
func syntheticSweep(target string) DepthSweep {
	s := DepthSweep{Target: target, Layers: sweepLayers,
		Seed: []SeedPoint{{"mnist", "fc3", 58.90}, {"mnist", "conv1", 86.93}, {"fashion", "fc3", 40.57}, {"fashion", "conv1", 83.25}}}
	value := map[string]string{"fc3": "last", "conv1": "all"}
	for si, src := range []string{"mnist", "fashion"} {
		for i, l := range sweepLayers {
			layers := value[l]
			if layers == "" {
				layers = "from:" + l
			}
			r := finetuneRun("sweep-"+src+"-"+l, target, src, layers, 2, false)
			r.Final.Test.Accuracy = 60 + float64(3*i) - float64(10*si)
			s.Runs = append(s.Runs, r)
		}
	}
	again := finetuneRun("sweep-mnist-fc3-seed43", target, "mnist", "last", 2, false)
	again.Final.Test.Accuracy = 62
	scratch := finetuneRun("sweep-none-all", target, "none", "all", 2, false)
	scratch.Final.Test.Accuracy = 80
	s.Runs = append(s.Runs, again, scratch)
	return s
}

func TestDepthSweepPageDrawsInChromium(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the sweep page was not drawn")
	}
	if _, err := findEcharts(); err != nil {
		t.Fatalf("echarts is not installed (%v): run tools/setup-echarts.sh", err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		target string
		series map[string]int
	}{
		{"emnist-letters", map[string]int{"from mnist": 8, "from fashion": 8, "none/all (from scratch)": 8,
			"seed homework, from mnist": 8, "seed homework, from fashion": 8}},
		{"mnist", map[string]int{"from mnist": 8, "from fashion": 8, "none/all (from scratch)": 8}},
	} {
		page, err := WriteDepthSweep(dir, syntheticSweep(c.target))
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(page) != "sweep-depth-"+c.target+".html" {
			t.Errorf("page %s", page)
		}
		res := probe(t, chromium, page, nil)
		wantDrawn(t, c.target, res, map[string]map[string]int{idSweepDepth: c.series})
		if len(res.Charts) != 1 {
			continue
		}
		csv := res.Charts[0].CSV
		// The mean of mnist's two head-only seeds; the scratch line flat at
		// 80 at both ends; fashion from conv1 at 60+21-10.
		for _, want := range []string{"fc3,61,50,80", "conv1,81,71,80"} {
			if !strings.Contains(csv, want) {
				t.Errorf("%s: chart data lacks the row %q:\n%s", c.target, want, csv)
			}
		}
		if seed := strings.Contains(csv, "58.9"); seed != (c.target == "emnist-letters") {
			t.Errorf("%s: the seed's 58.90 shown: %v\n%s", c.target, seed, csv)
		}
		b, _ := os.ReadFile(page)
		if c.target == "emnist-letters" && !strings.Contains(string(b), "58.90 % (inside the interval)") {
			t.Errorf("the table does not place the seed's mnist/last 58.90 inside the interval of 60 and 62 (t(1) = 12.7)")
		}
	}
}
