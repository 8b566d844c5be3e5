package train

import (
	"cmp"
	"errors"
	"fmt"
	"os"

	"github.com/sugarme/gotch/nn"

	"transferlab/data"
	"transferlab/metrics"
	"transferlab/model"
)

// A saved network, for eval, predict and embed: its sidecar (or, for a
// plain PyTorch state_dict, the architecture its tensors imply) and the
// network built from it with the checkpoint's weights.

// SidecarOrInferred is a checkpoint's sidecar or, for a file without one
// (a plain torch.save(model.state_dict(), f)), a sidecar with the
// architecture inferred from its tensors (model.InferArch) and no classes:
// the caller takes them from the dataset. dataset is the one named on the
// command line; without a sidecar there must be one, since nothing else
// says what the classes are.
func SidecarOrInferred(pt, dataset string) (*model.Sidecar, error) {
	sc, inferred, err := checkpointArch(pt)
	if err != nil {
		return nil, err
	}
	if inferred && dataset == "" {
		return nil, fmt.Errorf("%s has no sidecar (%s), so its classes are unknown: pass --dataset to evaluate it on (one of %d classes)", pt, model.SidecarPath(pt), sc.Arch.Classes)
	}
	return sc, nil
}

// LoadNetwork builds the network arch describes and loads checkpoint pt's
// weights into it, on o's device; a CNN runs in the memory layout measured
// fastest for evaluation on this machine (ChannelsLast), as a training run
// uses the one fastest for training. The caller destroys the returned
// store.
func LoadNetwork(pt string, arch model.Arch, o Options) (*nn.VarStore, model.Net, error) {
	o = o.WithDefaults()
	channelsLast := arch.Model == "cnn" && !o.Device.IsCuda() && ChannelsLast("fp32", false, o.Log)
	vs := nn.NewVarStore(o.Device)
	net, err := model.Build(vs.Root(), arch)
	if err == nil {
		err = model.LoadWeights(vs, pt)
	}
	if cnn, ok := net.(*model.CNN); ok && err == nil && channelsLast {
		err = cnn.UseChannelsLast()
	}
	if err == nil {
		err = useBackboneChannelsLast(net, o.Device)
	}
	if err != nil {
		vs.Destroy()
		return nil, nil, fmt.Errorf("%s: %w", pt, err)
	}
	return vs, net, nil
}

// checkpointArch reads a checkpoint's sidecar, or infers its architecture
// when it has none (inferred; the sidecar returned then has no classes).
func checkpointArch(pt string) (sc *model.Sidecar, inferred bool, err error) {
	if _, err := os.Stat(model.SidecarPath(pt)); !errors.Is(err, os.ErrNotExist) {
		sc, err := model.ReadSidecar(pt)
		return sc, false, err
	}
	if _, err := os.Stat(pt); err != nil {
		sc, err := model.ReadSidecar(pt) // its error names the missing checkpoint
		return sc, false, err
	}
	shapes, err := model.ReadShapes(pt)
	if err != nil {
		return nil, false, err
	}
	arch, err := model.InferArch(pt, shapes)
	if err != nil {
		return nil, false, err
	}
	return &model.Sidecar{Format: model.SidecarFormat, Arch: arch}, true, nil
}

// RecordedData fills in the data options d leaves unset ("" or 0) with what
// the run of cfg recorded about reading dataset, when it is the run's own:
// a folder:DIR dataset's holdout (the run's seed and test share) and
// preparation, and EMNIST's orientation. An evaluation or a drawing of the
// run's network then reads the test images the run was tested on.
func RecordedData(d data.Options, cfg metrics.Config, dataset string) data.Options {
	if dataset != cfg.Dataset {
		return d
	}
	if f := cfg.Folder; f != nil {
		d.Seed = cfg.Seed
		if d.TestFraction == 0 {
			d.TestFraction = f.TestFraction
		}
		d.Invert = cmp.Or(d.Invert, f.Invert)
		d.Fit = cmp.Or(d.Fit, f.Fit)
	}
	d.EMNISTOrientation = cmp.Or(d.EMNISTOrientation, cfg.EMNISTOrientation)
	return d
}
