package transfer

import (
	"fmt"
	"time"

	"transferlab/model"
	"transferlab/train"
)

// stageClock counts reproduce's stages as they begin and estimates the
// time left: each stage's work is the FLOPs of its epochs (training and
// held-out passes) from its recipe and options, and the pace is the one
// the stages trained so far ran at. Reused stages take no time and count
// no work.
type stageClock struct {
	log     train.Logger
	total   int // stages planned
	begun   int
	start   time.Time // of the first trained stage
	planned float64   // FLOPs of the stages not yet begun, as planned
	done    float64   // FLOPs of the trained stages before the current one
	current float64   // FLOPs of the current stage (0: reused)
	now     func() time.Time
}

func newStageClock(log train.Logger, stages []float64) *stageClock {
	c := &stageClock{log: log, total: len(stages), now: time.Now}
	for _, w := range stages {
		c.planned += w
	}
	return c
}

// begin is called as a stage starts training (name, work in FLOPs); the
// one before it has finished.
func (c *stageClock) begin(name string, work float64) {
	c.next(work)
	elapsed := c.now().Sub(c.start)
	switch {
	case c.start.IsZero():
		c.start = c.now()
		c.log.Printf("== stage %d of %d: %s", c.begun, c.total, name)
	case c.done == 0:
		c.log.Printf("== stage %d of %d: %s (%s so far)", c.begun, c.total, name, elapsed.Round(time.Second))
	default:
		left := time.Duration(float64(elapsed) / c.done * (c.current + c.planned))
		c.log.Printf("== stage %d of %d: %s (%s so far, about %s left)", c.begun, c.total, name, elapsed.Round(time.Second), left.Round(time.Second))
	}
}

// skip counts a stage that reuses earlier work.
func (c *stageClock) skip(name, why string) {
	c.next(0)
	c.log.Printf("== stage %d of %d: %s: %s", c.begun, c.total, name, why)
}

func (c *stageClock) next(work float64) {
	c.done += c.current
	c.begun++
	c.current = work
	c.planned = max(c.planned-work, 0)
}

// FLOPs per image of the FFN's linear layers (2 per multiply-add).
func ffnFLOPs(hidden []int, classes int) float64 {
	in, f := 784, 0.0
	for _, h := range append(hidden, classes) {
		f += 2 * float64(in) * float64(h)
		in = h
	}
	return f
}

// stageWork estimates a run's FLOPs: every epoch trains on trainN images
// (3 forward passes' worth: forward and backward) and evaluates evalN; a
// frozen backbone's output is computed once and only the head trains.
func stageWork(r train.Recipe, classes, trainN, evalN int, cached bool) float64 {
	fwd := float64(model.CNNEvalFLOPs(classes))
	if r.Model == "ffn" {
		fwd = ffnFLOPs(r.Hidden, classes)
	}
	epochs := float64(r.Epochs)
	if !cached {
		return epochs * (3*fwd*float64(trainN) + fwd*float64(evalN))
	}
	head := float64(model.CNNLayerFLOPs(classes)[len(model.CNNLayers())-1].FLOPs)
	return fwd*float64(trainN+evalN) + epochs*(3*head*float64(trainN)+head*float64(evalN))
}

// plannedWork estimates the FLOPs of a run of r with options o (r with
// o's overrides applied), from the sizes of the seed's datasets: a folder
// or IDX target counts as 10 classes of MNIST's size.
func plannedWork(r train.Recipe, o train.Options) float64 {
	trainN, testN, classes := 60000, 10000, 10
	if r.Dataset == "emnist-letters" {
		trainN, testN, classes = 124800, 20800, 26
	}
	if r.PerClass > 0 {
		trainN = r.PerClass * classes
	}
	if o.Limit > 0 {
		trainN = min(trainN, o.Limit)
	}
	if o.EvalLimit > 0 {
		testN = min(testN, o.EvalLimit)
	}
	evalN := testN
	if r.ValFraction > 0 {
		evalN = int(float64(trainN) * r.ValFraction)
		trainN -= evalN
	}
	cached := r.Kind == "finetune" && r.Layers == "last" && !o.NoFeatureCache
	return stageWork(r, classes, trainN, evalN, cached)
}

// describe is a stage's name for the counter: the recipe and, for a
// repeated seed, the seed.
func describe(r train.Recipe, seed int64, seeds int) string {
	if seeds > 1 {
		return fmt.Sprintf("%s (seed %d)", r.Name, seed)
	}
	return r.Name
}
