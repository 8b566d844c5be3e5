package train

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/schollz/progressbar/v3"

	"transferlab/internal/console"
)

// ConsoleLogger prints a run's lines to W and, on a terminal, a progress
// bar per epoch (batches, loss, accuracy, images/s, ETA); elsewhere
// (logs, CI) a plain line every Every.
type ConsoleLogger struct {
	W     io.Writer
	Bars  bool
	Every time.Duration
}

// NewConsoleLogger writes to w, with bars when w is a terminal.
func NewConsoleLogger(w io.Writer) *ConsoleLogger {
	return &ConsoleLogger{W: w, Bars: console.IsTerminal(w), Every: console.LineEvery}
}

// Printf prints one line.
func (l *ConsoleLogger) Printf(format string, args ...any) {
	fmt.Fprintf(l.W, format+"\n", args...)
}

// Epoch starts the observer of one epoch.
func (l *ConsoleLogger) Epoch(epoch, epochs, batches int) EpochObserver {
	return l.Task(fmt.Sprintf("epoch %d/%d", epoch, epochs), batches)
}

// Task starts the observer of a pass of steps batches (an epoch, an
// evaluation): a bar on a terminal, a line every Every elsewhere.
func (l *ConsoleLogger) Task(label string, steps int) EpochObserver {
	if l.Bars {
		bar := progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(l.W),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return &barObserver{bar: bar, label: label}
	}
	return &lineObserver{l: l, label: label, start: time.Now(), last: time.Now()}
}

type barObserver struct {
	bar   *progressbar.ProgressBar
	label string
}

// unscored is the loss and accuracy a pass that computes neither reports
// (EpochObserver.Batch): its progress then shows images and pace only,
// not a loss of 0.
var unscored = math.NaN()

func (b *barObserver) Batch(done, total int, loss, acc, ips float64) {
	if math.IsNaN(loss) {
		b.bar.Describe(fmt.Sprintf("%s %.0f img/s", b.label, ips))
	} else {
		b.bar.Describe(fmt.Sprintf("%s loss %.4f acc %.2f%% %.0f img/s", b.label, loss, acc, ips))
	}
	_ = b.bar.Set(done)
}

func (b *barObserver) Done() { _ = b.bar.Finish() }

type lineObserver struct {
	l           *ConsoleLogger
	label       string
	start, last time.Time
}

func (o *lineObserver) Batch(done, total int, loss, acc, ips float64) {
	if o.l.Every <= 0 || time.Since(o.last) < o.l.Every || done == total {
		return
	}
	o.last = time.Now()
	if math.IsNaN(loss) {
		o.l.Printf("%s %d/%d %.0f img/s  %s", o.label, done, total, ips, console.ETA(o.start, done, total))
		return
	}
	o.l.Printf("%s batch %d/%d loss %.4f acc %.2f%% %.0f img/s  %s", o.label, done, total, loss, acc, ips, console.ETA(o.start, done, total))
}

func (o *lineObserver) Done() {}

// Discard is a Logger that prints nothing (tests).
type Discard struct{}

// Printf prints nothing.
func (Discard) Printf(string, ...any) {}

// Epoch returns no observer.
func (Discard) Epoch(int, int, int) EpochObserver { return nil }

// Task returns no observer.
func (Discard) Task(string, int) EpochObserver { return nil }
