package model

import "testing"

// The summary counts every parameter of each layer and says which layers
// train: with all but the head frozen, only fc3 (84x10 + 10).
func TestSummaryCountsParametersAndFrozenLayers(t *testing.T) {
	pin(t)
	a := Arch{Model: "cnn", Classes: 10}
	vs, _ := newNet(t, a, 1)
	if _, err := FreezeAllBut(vs, a.HeadPrefix()); err != nil {
		t.Fatal(err)
	}
	layers := Summary(vs)
	var total int64
	for _, l := range layers {
		total += l.Params
		if l.Trainable != (l.Name == "fc3") {
			t.Errorf("layer %s trainable %v", l.Name, l.Trainable)
		}
	}
	if len(layers) != 8 || layers[0].Name != "conv1" || layers[7].Name != "fc3" || layers[7].Params != 84*10+10 {
		t.Fatalf("summary %+v", layers)
	}
	if want := int64(10*9 + 10 + 150*10*9 + 150 + 300*150*9 + 300 + 300*300*9 + 300 + 150*300*9 + 150 + 7350*120 + 120 + 120*84 + 84 + 84*10 + 10); total != want {
		t.Errorf("%d parameters in all, want %d", total, want)
	}
	if got := layers[0].Shapes; len(got) != 2 || len(got[0]) != 4 || got[0][0] != 10 {
		t.Errorf("conv1 shapes %v, want the weight 10x1x3x3 first", got)
	}
}
