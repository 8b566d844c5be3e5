package train

import (
	"context"
	"fmt"
	"sort"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/internal/torchenv"
	"transferlab/model"
)

// PredictOptions say which checkpoint classifies which images.
type PredictOptions struct {
	Checkpoint string
	Images     []string
	// Dataset names the classes of a checkpoint without a sidecar (its
	// class count must match); "" = "0".."K-1".
	Dataset string
	Data    data.Options // where Dataset is read from
	Prep    data.Prep    // how the images are prepared (as folder:DIR datasets are)
	Device  gotch.Device
	Top     int    // classes reported per image; 0 = 3
	Log     Logger // the first run on a machine says that it measures the layout
}

// Prediction is one image's most likely classes, most likely first.
type Prediction struct {
	Image    string      `json:"image"`
	Inverted bool        `json:"inverted"` // the image was inverted to bright ink on black
	Top      []ClassProb `json:"top,omitempty"`
	// Error is why the image could not be read (then Top is empty): one
	// bad file among many does not cost the others their predictions.
	Error string `json:"error,omitempty"`
}

// ClassProb is a class and the network's probability for it (softmax).
type ClassProb struct {
	Index int     `json:"index"`
	Class string  `json:"class"`
	P     float64 `json:"p"`
}

// Predict prepares each image as a folder:DIR dataset's images are (Prep)
// and returns the network's top classes for it. An image that cannot be
// read gets its Err instead, and the others are predicted.
func Predict(ctx context.Context, o PredictOptions) (preds []Prediction, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = torchenv.PanicError(p)
		}
	}()
	if o, err = o.withDefaults(); err != nil {
		return nil, err
	}
	sc, inferred, err := checkpointArch(o.Checkpoint)
	if err != nil {
		return nil, err
	}
	if inferred {
		if sc.Classes, err = predictClasses(ctx, o, sc.Arch.Classes); err != nil {
			return nil, err
		}
	}
	o.Prep.Colour = model.IsBackbone(sc.Arch.Model) // a backbone's photos, as its training prepared them
	split, out := prepareImages(o.Images, o.Prep, sc.Classes)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if split.Len() == 0 {
		return out, nil // no image could be read: nothing to run the network on
	}
	probs, err := classify(o.Checkpoint, sc.Arch, split, Options{Device: o.Device, Log: o.Log})
	if err != nil {
		return nil, err
	}
	k := sc.Arch.Classes
	row := 0
	for i := range out {
		if out[i].Error == "" {
			out[i].Top = topClasses(probs[row*k:(row+1)*k], sc.Classes, o.Top)
			row++
		}
	}
	return out, nil
}

// withDefaults checks o and fills in what it leaves unset.
func (o PredictOptions) withDefaults() (PredictOptions, error) {
	if len(o.Images) == 0 {
		return o, fmt.Errorf("no images to predict")
	}
	if err := o.Prep.Check(); err != nil {
		return o, err
	}
	if o.Device.Name == "" {
		o.Device = gotch.CPU
	}
	if o.Top <= 0 {
		o.Top = 3
	}
	return o, nil
}

// prepareImages reads and prepares the images into one split of
// unlabelled images, in order, and starts each one's prediction; one that
// cannot be read is left out of the split, its error kept.
func prepareImages(paths []string, prep data.Prep, classes []string) (*data.Split, []Prediction) {
	ch, rows, cols := prep.Shape()
	split := &data.Split{Dataset: "images", Name: "predict", Channels: ch, Rows: rows, Cols: cols, Classes: classes}
	out := make([]Prediction, len(paths))
	for i, path := range paths {
		p, err := data.PrepareFile(path, prep)
		if err != nil {
			out[i] = Prediction{Image: path, Error: err.Error()}
			continue
		}
		split.Pixels = append(split.Pixels, p.Pixels...)
		split.Labels = append(split.Labels, 0)
		out[i] = Prediction{Image: path, Inverted: p.Inverted}
	}
	return split, out
}

// classify runs checkpoint pt's network over the images of split and
// returns their softmax probabilities, arch.Classes per image, row-major.
func classify(pt string, arch model.Arch, split *data.Split, o Options) ([]float64, error) {
	device := o.WithDefaults().Device
	vs, net, err := LoadNetwork(pt, arch, o)
	if err != nil {
		return nil, err
	}
	defer vs.Destroy()
	x, y, err := split.Tensors(device)
	if err != nil {
		return nil, err
	}
	defer x.MustDrop()
	defer y.MustDrop()
	return softmaxRows(net, x, split.Len(), arch.Classes)
}

// topClasses is the n most probable of one image's class probabilities,
// most probable first (equal ones in class order).
func topClasses(probs []float64, classes []string, n int) []ClassProb {
	idx := make([]int, len(probs))
	for j := range idx {
		idx[j] = j
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	var top []ClassProb
	for _, j := range idx[:min(n, len(idx))] {
		top = append(top, ClassProb{Index: j, Class: classes[j], P: probs[j]})
	}
	return top
}

// predictClasses names the classes of a checkpoint without a sidecar: the
// dataset's, which must be as many, or "0".."K-1".
func predictClasses(ctx context.Context, o PredictOptions, k int) ([]string, error) {
	if o.Dataset == "" {
		out := make([]string, k)
		for i := range out {
			out[i] = fmt.Sprint(i)
		}
		return out, nil
	}
	d, err := data.Lookup(o.Dataset)
	if err != nil {
		return nil, err
	}
	classes := d.Classes
	if len(classes) == 0 { // idx:DIR, folder:DIR: the classes come from the files
		s, err := data.Load(ctx, o.Dataset, data.SplitTest, o.Data)
		if err != nil {
			return nil, err
		}
		classes = s.Classes
	}
	if len(classes) != k {
		return nil, fmt.Errorf("%s is a %d-class network and %s has %d classes: pass --dataset with a matching dataset", o.Checkpoint, k, o.Dataset, len(classes))
	}
	return classes, nil
}

// softmaxRows runs net over x (n images) under no-grad in batches of
// evalChunk images and returns the n x classes softmax probabilities,
// row-major.
func softmaxRows(net model.Net, x *ts.Tensor, n, classes int) ([]float64, error) {
	out := make([]float64, 0, n*classes)
	err := NoGradChunks(context.Background(), x, nil, evalChunk(net), func(s *model.Scope, xb, _ *ts.Tensor, _ int) error {
		logits := s.T(net.ForwardT(xb, false))
		vals := s.T(logits.MustSoftmax(-1, gotch.Float, false)).Float64Values()
		if size := int(xb.MustSize()[0]); len(vals) != size*classes {
			return fmt.Errorf("the network gave %d outputs for %d images of %d classes", len(vals), size, classes)
		}
		out = append(out, vals...)
		return nil
	})
	return out, err
}
