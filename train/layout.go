package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"transferlab/internal/torchenv"
	"transferlab/metrics"
	"transferlab/model"
)

// Which memory format the CNN runs in is a question about the CPU, not the
// code: bench on an Intel AMX machine measured channels_last faster for bf16
// and fp32 training, on an AVX512-BF16 AMD EPYC slower for bf16 training and
// fp32 evaluation (bench/RESULTS.md). So the choice is measured on each
// machine, once, and remembered.

// ChannelsLastEnv overrides the measured choice: "on", "off", or "auto"
// (the default: measure once per machine, libtorch, precision and mode).
const ChannelsLastEnv = "TRANSFERLAB_CHANNELS_LAST"

// layoutMargin is how much faster channels_last must measure to be used:
// the numbers are the same either way up to rounding, a few cheap steps on
// a shared machine move by a few percent, and a choice that flips with
// noise would make runs on one machine differ for nothing.
const layoutMargin = 1.05

// layoutSteps is how many timed steps each layout gets after one warm-up;
// the fastest counts, since other work on the machine only slows a step.
const layoutSteps = 3

// ChannelsLast says whether the CNN should run in channels_last memory
// format for precision ("fp32" or "bf16"), when training or only
// evaluating, on this machine. ChannelsLastEnv decides if set; otherwise
// the first call on a machine times a few CNN steps in both layouts
// (seconds) and caches the answer in the user cache folder
// (~/.cache/transferlab/layout.json), per CPU model, libtorch version,
// precision and mode. bf16 on a CPU without bf16 instructions is not
// measured: emulated, a step takes seconds, and that precision is not
// worth tuning there (transferlab warns against it).
//
// Only speed is at stake, so nothing here fails a run: a bad override
// value, an unreadable cache or a failed measurement are reported to log
// and the standard layout is kept. Call it before seeding the run's random
// numbers: measuring builds a network and draws images from libtorch's
// generator.
func ChannelsLast(precision string, training bool, log interface{ Printf(string, ...any) }) bool {
	return defaultLayoutChooser().choose(precision, training, log)
}

// layoutChooser is ChannelsLast with its surroundings injected, for tests.
type layoutChooser struct {
	override      string // ChannelsLastEnv's value
	path          string // the cache file; "" when there is no cache folder
	cpu, libtorch string
	bf16Emulated  bool // the CPU is known to have no bf16 instructions
	threads       int  // recorded with a measurement, for the reader
	measure       func(precision string, training, channelsLast bool) (imgPerSec float64, err error)
	memo          *layoutMemo // answers already given in this process
}

// layoutMemo keeps a process from measuring twice where the cache file
// cannot be written (a sweep runs many trainings in one process).
type layoutMemo struct {
	mu sync.Mutex
	m  map[string]bool
}

var processLayouts = &layoutMemo{m: map[string]bool{}}

func defaultLayoutChooser() layoutChooser {
	path := ""
	if dir, err := os.UserCacheDir(); err == nil {
		path = filepath.Join(dir, "transferlab", "layout.json")
	}
	flag, known := torchenv.CPUBF16()
	return layoutChooser{
		override:     os.Getenv(ChannelsLastEnv),
		path:         path,
		cpu:          torchenv.CPUModel(),
		libtorch:     torchenv.LibtorchVersion(),
		bf16Emulated: known && flag == "",
		threads:      torchenv.Threads(),
		measure:      measureLayout,
		memo:         processLayouts,
	}
}

// layoutEntry is one measured answer in the cache file.
type layoutEntry struct {
	ChannelsLast    bool    `json:"channels_last"`
	ChannelsLastIPS float64 `json:"channels_last_img_s"`
	ContiguousIPS   float64 `json:"contiguous_img_s"`
	Threads         int     `json:"threads"`
	Measured        string  `json:"measured"` // RFC 3339
}

type layoutFile struct {
	Entries map[string]layoutEntry `json:"entries"`
}

func (c layoutChooser) choose(precision string, training bool, log interface{ Printf(string, ...any) }) bool {
	switch v := strings.ToLower(strings.TrimSpace(c.override)); v {
	case "on":
		return true
	case "off":
		return false
	case "", "auto":
	default:
		log.Printf("ignoring %s=%q (want on, off or auto): choosing the CNN's memory format by measuring", ChannelsLastEnv, c.override)
	}
	if precision == "bf16" && c.bf16Emulated {
		return false
	}
	mode := "evaluation"
	if training {
		mode = "training"
	}
	key := fmt.Sprintf("%s | libtorch %s | %s | %s", c.cpu, c.libtorch, precision, mode)
	c.memo.mu.Lock()
	defer c.memo.mu.Unlock()
	if cl, ok := c.memo.m[key]; ok {
		return cl
	}
	if c.path != "" {
		f, err := readLayoutFile(c.path)
		if err != nil {
			log.Printf("layout cache: %v (measuring again)", err)
		}
		if e, ok := f.Entries[key]; ok {
			c.memo.m[key] = e.ChannelsLast
			return e.ChannelsLast
		}
	}
	var e layoutEntry
	var err error
	if e.ContiguousIPS, err = c.measure(precision, training, false); err == nil {
		e.ChannelsLastIPS, err = c.measure(precision, training, true)
	}
	if err != nil {
		log.Printf("measuring the CNN's memory format (%s %s): %v; keeping the standard layout", precision, mode, err)
		return false
	}
	e.ChannelsLast = e.ChannelsLastIPS > layoutMargin*e.ContiguousIPS
	e.Threads = c.threads
	e.Measured = time.Now().UTC().Format(time.RFC3339)
	c.memo.m[key] = e.ChannelsLast
	chosen := "the standard layout"
	if e.ChannelsLast {
		chosen = "channels_last"
	}
	log.Printf("CNN memory format for %s %s on this CPU: channels_last %.0f img/s, standard %.0f img/s: using %s (%s=on|off overrides)",
		precision, mode, e.ChannelsLastIPS, e.ContiguousIPS, chosen, ChannelsLastEnv)
	if c.path != "" {
		if err := writeLayoutEntry(c.path, key, e); err != nil {
			log.Printf("layout cache: %v (the choice holds for this process only)", err)
		}
	}
	return e.ChannelsLast
}

// readLayoutFile reads the cache; a missing file is an empty cache, and a
// damaged one is returned empty with its error (the next write replaces it).
func readLayoutFile(path string) (layoutFile, error) {
	f := layoutFile{Entries: map[string]layoutEntry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return layoutFile{Entries: map[string]layoutEntry{}}, fmt.Errorf("read %s: %w", path, err)
	}
	if f.Entries == nil {
		f.Entries = map[string]layoutEntry{}
	}
	return f, nil
}

// writeLayoutEntry adds one entry to the cache, reading the file again
// just before: another transferlab measuring a different key meanwhile
// keeps its entry (two writing at the same instant lose one, which is then
// measured again, never a damaged file: the write is atomic).
func writeLayoutEntry(path, key string, e layoutEntry) error {
	f, _ := readLayoutFile(path) // a damaged file is replaced
	f.Entries[key] = e
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("layout cache: %w", err)
	}
	return metrics.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// measureLayout times the seed CNN (10 classes) in one layout: training
// steps of 128 images with Adam, or no-grad forward passes of EvalBatch
// images as evaluation runs them. It returns images per second of the
// fastest of layoutSteps steps after a warm-up.
func measureLayout(precision string, training, channelsLast bool) (ips float64, err error) {
	defer func() {
		if p := recover(); p != nil { // libtorch errors surface as panics
			err = torchenv.PanicError(p)
		}
	}()
	runtime.LockOSThread() // autocast and grad mode are per OS thread
	defer runtime.UnlockOSThread()
	vs := nn.NewVarStore(gotch.CPU)
	defer vs.Destroy()
	net, err := layoutNet(vs, channelsLast)
	if err != nil {
		return 0, err
	}
	x := ts.MustRand([]int64{layoutBatch, 1, model.ImageSide, model.ImageSide}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	y := ts.MustRandint(layoutClasses, []int64{layoutBatch}, gotch.Int64, gotch.CPU)
	defer y.MustDrop()
	bf16 := precision == "bf16"
	if training {
		return timeTrainSteps(net, model.Params(vs), x, y, bf16)
	}
	return timeEvalPasses(net, x, y, bf16)
}

// The network and batch measureLayout times.
const (
	layoutClasses = 10
	layoutBatch   = 128
)

// layoutNet builds the seed CNN in vs, in channels_last if asked.
func layoutNet(vs *nn.VarStore, channelsLast bool) (model.Net, error) {
	net, err := model.Build(vs.Root(), model.Arch{Model: "cnn", Classes: layoutClasses})
	if err != nil || !channelsLast {
		return net, err
	}
	return net, net.(*model.CNN).UseChannelsLast()
}

// timeTrainSteps times training steps with Adam over params on the
// layoutBatch images of x.
func timeTrainSteps(net model.Net, params []model.Param, x, y *ts.Tensor, bf16 bool) (float64, error) {
	opt, err := model.NewAdam(params, 1e-3)
	if err != nil {
		return 0, err
	}
	defer opt.Drop()
	perm, err := ts.OfSlice(permutation(layoutBatch, 1, 1))
	if err != nil {
		return 0, fmt.Errorf("layout: %w", err)
	}
	defer perm.MustDrop()
	return timeSteps(layoutBatch, func() error {
		_, _, err := trainStep(net, opt, x, y, perm, 0, layoutBatch, bf16)
		return err
	})
}

// timeEvalPasses times no-grad evaluation passes over the first EvalBatch
// images of x (all layoutBatch of them when fewer).
func timeEvalPasses(net model.Net, x, y *ts.Tensor, bf16 bool) (float64, error) {
	n := min(layoutBatch, EvalBatch)
	xe, ye := x.MustNarrow(0, 0, int64(n), false), y.MustNarrow(0, 0, int64(n), false)
	defer xe.MustDrop()
	defer ye.MustDrop()
	return timeSteps(n, func() error {
		_, err := evaluate(context.Background(), net, xe, ye, layoutClasses, bf16)
		return err
	})
}

// timeSteps runs step once to warm up (oneDNN kernels, Adam state), then
// layoutSteps times, and returns images per second of the fastest run:
// other work on the machine only slows a step.
func timeSteps(images int, step func() error) (float64, error) {
	if err := step(); err != nil {
		return 0, err
	}
	best := math.Inf(1)
	for range layoutSteps {
		start := time.Now()
		if err := step(); err != nil {
			return 0, err
		}
		best = min(best, time.Since(start).Seconds())
	}
	return float64(images) / best, nil
}

// BackboneChannelsLast says whether a backbone on device runs in
// channels_last: on a CPU, unless ChannelsLastEnv is "off". Not measured
// per machine as the CNN's layout is: ResNet-18 feature extraction at 224
// ran 1.35x to 1.5x faster in channels_last in each of three alternating
// rounds on a 2-CPU AMD EPYC (BenchmarkResNet18FeaturesCL, bench/RESULTS.md).
func BackboneChannelsLast(device gotch.Device) bool {
	return !device.IsCuda() && strings.ToLower(strings.TrimSpace(os.Getenv(ChannelsLastEnv))) != "off"
}

// useBackboneChannelsLast puts net in channels_last where
// BackboneChannelsLast says; other networks are left alone.
func useBackboneChannelsLast(net model.Net, device gotch.Device) error {
	if bb, ok := net.(model.Backbone); ok && BackboneChannelsLast(device) {
		return bb.UseChannelsLast()
	}
	return nil
}
