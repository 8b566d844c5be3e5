package train

import (
	"context"
	"fmt"
	"sort"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"transferlab/data"
	"transferlab/internal/torchenv"
)

// splits holds a run's data, resident as tensors.
type splits struct {
	classes              []string
	trainX, trainY       *ts.Tensor
	evalX, evalY         *ts.Tensor // validation, or test when there is none
	testX, testY         *ts.Tensor
	test                 *data.Split
	trainN, evalN, testN int
	evalName             string
}

func (s *splits) drop() {
	for _, t := range []*ts.Tensor{s.trainX, s.trainY, s.testX, s.testY} {
		if t != nil {
			t.MustDrop()
		}
	}
	if s.evalName == "val" {
		s.evalX.MustDrop()
		s.evalY.MustDrop()
	}
}

// loadSplits loads the recipe's training and test data: the training set
// reduced per class and/or limited, split 80/20 into train and validation
// when the recipe holds out a validation set, per class with
// --val-fraction (the per-epoch curve is then on validation, else on
// test).
func loadSplits(ctx context.Context, r Recipe, o Options) (*splits, error) {
	train, err := data.Load(ctx, r.Dataset, "train", o.Data)
	if err != nil {
		return nil, err
	}
	test, err := data.Load(ctx, r.Dataset, "test", o.Data)
	if err != nil {
		return nil, err
	}
	if train, err = trainingSet(train, r, o); err != nil {
		return nil, err
	}
	if test, err = testSample(test, o); err != nil {
		return nil, err
	}
	var val *data.Split
	if r.ValFraction > 0 {
		var tr, va []int
		if !r.StratifiedVal {
			tr, va = data.TrainValSplit(train.Len(), r.ValFraction, o.Seed)
		} else if tr, va, err = data.StratifiedSplit(train.Labels, len(train.Classes), r.ValFraction, o.Seed); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Dataset, err)
		} else if len(va) == 0 {
			return nil, fmt.Errorf("%s: no class has 2 or more training images, so none can be held out for validation", r.Dataset)
		}
		if val, err = train.Subset(va); err != nil {
			return nil, err
		}
		if train, err = train.Subset(tr); err != nil {
			return nil, err
		}
	}
	if train.Len() == 0 {
		return nil, fmt.Errorf("no training images left for %s", r.Name)
	}
	if err := checkFitsOnGPU(o.Device, train, val, test); err != nil {
		return nil, err
	}
	return residentSplits(train, val, test, o.Device)
}

// trainingSet is the recipe's training set: the first PerClass images of
// each class (a class with fewer is used whole, and a line says so), then
// the first Limit images.
func trainingSet(train *data.Split, r Recipe, o Options) (*data.Split, error) {
	var err error
	if r.PerClass > 0 {
		var short []data.ShortClass
		if train, short, err = train.ReducedPerClass(r.PerClass); err != nil {
			return nil, err
		}
		for _, c := range short {
			o.Log.Printf("%s: training set: %s", r.Dataset, c)
		}
	}
	if o.Limit > 0 && o.Limit < train.Len() {
		idx := make([]int, o.Limit)
		for i := range idx {
			idx[i] = i
		}
		return train.Subset(idx)
	}
	return train, nil
}

// testSample is a seeded sample of EvalLimit test images in file order,
// never a prefix (EMNIST's test labels are grouped by class); the whole
// split without EvalLimit.
func testSample(test *data.Split, o Options) (*data.Split, error) {
	if o.EvalLimit <= 0 || o.EvalLimit >= test.Len() {
		return test, nil
	}
	idx := permutation(test.Len(), o.Seed, 0)[:o.EvalLimit]
	sorted := make([]int, len(idx))
	for i, v := range idx {
		sorted[i] = int(v)
	}
	sort.Ints(sorted)
	return test.Subset(sorted)
}

// checkFitsOnGPU fails, before anything is copied, when a run's images
// would fill more than half of its GPU's memory: they stay resident on
// the device the network is on (no copy per batch, as a DataLoader makes),
// and the network, its activations and Adam's state need the rest. MNIST
// is 188 MB as float32.
func checkFitsOnGPU(device gotch.Device, parts ...*data.Split) error {
	if !device.IsCuda() {
		return nil
	}
	gpus, err := torchenv.DriverGPUs()
	if err != nil || device.Value >= len(gpus) {
		return nil // libtorch sees it; the driver does not say how big it is
	}
	var bytes int64
	for _, p := range parts {
		if p != nil {
			bytes += int64(p.Len()) * int64(p.ImageBytes()*4+8)
		}
	}
	if g := gpus[device.Value]; bytes > g.Memory/2 {
		return fmt.Errorf("the run's images take %.1f GB as float32, more than half of %s's %.1f GB: use fewer images (--per-class, --limit) or --device cpu", float64(bytes)/1e9, torchenv.DeviceName(device), float64(g.Memory)/1e9)
	}
	return nil
}

// residentSplits puts the splits on device as tensors; the per-epoch
// evaluation is on val when there is one, else on test.
func residentSplits(train, val, test *data.Split, device gotch.Device) (_ *splits, err error) {
	s := &splits{classes: train.Classes, test: test, trainN: train.Len(), testN: test.Len()}
	defer func() {
		if err != nil {
			s.drop()
		}
	}()
	if s.trainX, s.trainY, err = train.Tensors(device); err != nil {
		return nil, err
	}
	if s.testX, s.testY, err = test.Tensors(device); err != nil {
		return nil, err
	}
	s.evalX, s.evalY, s.evalN, s.evalName = s.testX, s.testY, s.testN, "test"
	if val != nil && val.Len() > 0 {
		if s.evalX, s.evalY, err = val.Tensors(device); err != nil {
			return nil, err
		}
		s.evalN, s.evalName = val.Len(), "val"
	}
	return s, nil
}
