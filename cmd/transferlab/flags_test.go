package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Every flag that takes one of a fixed set lists the set in --help, and
// any other value is a usage error, at parse time, naming the choices.
func TestChoiceFlagsListTheirChoices(t *testing.T) {
	for _, c := range []struct {
		command []string
		flag    string
		choices string // as --help shows them
		bad     string
		want    string // in the error
	}{
		{[]string{"overfit"}, "precision", "fp32|bf16", "fp8", "choose fp32 or bf16"},
		{[]string{"overfit"}, "device", "auto|cpu|cuda|cuda:N", "tpu", "choose auto, cpu, cuda or cuda:N"},
		{[]string{"finetune"}, "emnist-orientation", "upright|raw", "both", "choose upright or raw"},
		{[]string{"transfer"}, "emnist-orientation", "upright|raw|both", "sideways", "choose upright, raw or both"},
		{[]string{"data", "list"}, "emnist-orientation", "upright|raw", "sideways", "choose upright or raw"},
		{[]string{"sweep", "depth"}, "invert", "auto|yes|no", "maybe", "choose auto, yes or no"},
		{[]string{"finetune"}, "fit", "pad|mnist", "stretch", "choose pad or mnist"},
		{[]string{"pretrain"}, "dataset", "mnist|fashion", "cifar", "choose mnist or fashion"},
		{[]string{"predict"}, "invert", "auto|yes|no", "maybe", "choose auto, yes or no"},
		{[]string{"predict"}, "fit", "pad|mnist", "stretch", "choose pad or mnist"},
		{[]string{"predict"}, "device", "auto|cpu|cuda|cuda:N", "tpu", "choose auto, cpu, cuda or cuda:N"},
		{[]string{"eval"}, "split", "train|test", "val", "choose train or test"},
		{[]string{"embed"}, "device", "auto|cpu|cuda|cuda:N", "tpu", "choose auto, cpu, cuda or cuda:N"},
		{[]string{"data", "show"}, "split", "train|test", "val", "choose train or test"},
		{[]string{"sweep", "depth"}, "from", "mnist|fashion", "mnist,bogus", `unknown "bogus": choose mnist or fashion`},
	} {
		name := strings.Join(c.command, " ") + " --" + c.flag
		help := execute(t, append(c.command, "--help")...)
		if !strings.Contains(help.out, "--"+c.flag+" "+c.choices+" ") {
			t.Errorf("%s: --help does not list %s:\n%s", name, c.choices, help.out)
		}
		bad := execute(t, append(c.command, "--"+c.flag, c.bad)...)
		var u usageError
		if !errors.As(bad.err, &u) || !strings.Contains(bad.err.Error(), c.want) || strings.Contains(bad.err.Error(), "\n") {
			t.Errorf("%s %s: error %v, want one line of a usage error saying %q", name, c.bad, bad.err, c.want)
		}
	}
}

// What a command prints goes to the command's writers: eval's table to
// its output, its progress and the page to open to its error stream;
// nothing to the process's stdout.
func TestCommandOutputGoesToItsWriters(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	defer runtime.UnlockOSThread()
	// The committed network without its sidecar: its classes are the IDX
	// folder's.
	plain := filepath.Join(t.TempDir(), "weights.pt")
	copyFile(t, filepath.Join("..", "..", "pretrained", "mnist-cnn.pt"), plain)
	var res result
	leaked, _ := captureStdout(t, func() int {
		res = execute(t, "eval", "--checkpoint", plain, "--dataset", "idx:"+idxFolder(t), "--results-dir", t.TempDir())
		return 0
	})
	if res.err != nil {
		t.Fatalf("eval: %v\n%s%s", res.err, res.out, res.errOut)
	}
	if !strings.Contains(res.out, "accuracy") || !strings.Contains(res.out, "wrote ") {
		t.Errorf("eval's output lacks its table or the file it wrote:\n%s", res.out)
	}
	if !strings.Contains(res.errOut, "evaluating ") || !strings.Contains(res.errOut, "report: ") {
		t.Errorf("eval's error stream lacks its progress or the page to open:\n%s", res.errOut)
	}
	if leaked != "" {
		t.Errorf("eval wrote to the process's stdout:\n%s", leaked)
	}
}

// result is what a command line executed in process returned and printed.
type result struct {
	out, errOut string
	err         error
}

// execute runs a command line with its output and error streams in
// buffers.
func execute(t *testing.T, args ...string) result {
	t.Helper()
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	return result{out.String(), errOut.String(), err}
}
