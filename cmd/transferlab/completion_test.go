package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete asks for completions as the shell does and returns the values
// offered and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	res := execute(t, append([]string{"__complete"}, args...)...)
	if res.err != nil {
		t.Fatalf("__complete %v: %v", args, res.err)
	}
	lines := strings.Split(strings.TrimSpace(res.out), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// Flag values complete in the shell: every flag of a fixed set offers its
// choices, and the flags that name a dataset, a depth, a source, a
// checkpoint or a run offer what there is.
func TestFlagValuesComplete(t *testing.T) {
	results := t.TempDir()
	for _, run := range []string{"transfer-mnist-last-on-mnist", "overfit"} {
		if err := os.MkdirAll(filepath.Join(results, run), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(results, run, "metrics.json"), []byte("{}"), 0o644)
	}
	os.MkdirAll(filepath.Join(results, "assets"), 0o755) // not a run
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"overfit", "--device", ""}, []string{"auto", "cpu", "cuda"}},
		{[]string{"eval", "--device", ""}, []string{"auto", "cpu", "cuda"}},
		{[]string{"overfit", "--precision", ""}, []string{"fp32", "bf16"}},
		{[]string{"pretrain", "--dataset", ""}, []string{"mnist", "fashion"}},
		{[]string{"eval", "--split", ""}, []string{"train", "test"}},
		{[]string{"finetune", "--layers", ""}, []string{"last", "all", "from:conv1", "from:fc3", "from:layer3", "from:features.7"}},
		{[]string{"finetune", "--target", ""}, []string{"emnist-letters", "mnist", "fashion", "idx:", "folder:"}},
		{[]string{"eval", "--dataset", ""}, []string{"mnist", "fashion", "emnist-letters"}},
		{[]string{"finetune", "--from", ""}, []string{"none", "mnist", "fashion", "resnet18", "resnet50", "mobilenet_v2"}},
		{[]string{"sweep", "depth", "--from", ""}, []string{"mnist", "fashion"}},
		{[]string{"embed", "--results-dir", results, "--run", ""}, []string{"overfit", "transfer-mnist-last-on-mnist"}},
	} {
		got, directive := complete(t, c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: offered %v, want %s among them (%s)", strings.Join(c.args, " "), got, w, directive)
			}
		}
		if c.args[len(c.args)-2] == "--run" && slices.Contains(got, "assets") {
			t.Errorf("--run offered a folder that holds no run: %v", got)
		}
	}
	if got, directive := complete(t, "eval", "--checkpoint", ""); !slices.Contains(got, "pt") || !strings.Contains(directive, ":8") {
		t.Errorf("--checkpoint: %v %s; want .pt files (FilterFileExt, directive 8)", got, directive)
	}
}

// The data commands complete the registry's dataset names (fetch and
// verify also "all", and not a name already given; show one name only),
// and a --target that is not a dataset names the close one. Before, they
// offered nothing and "--target emnist" listed every choice (issue 26).
func TestDatasetNamesComplete(t *testing.T) {
	for _, c := range []struct {
		args     []string
		want     []string
		wantNone []string
	}{
		{[]string{"data", "fetch", ""}, []string{"mnist", "fashion", "emnist-letters", "all"}, nil},
		{[]string{"data", "fetch", "mnist", ""}, []string{"fashion", "emnist-letters"}, []string{"mnist"}},
		{[]string{"data", "verify", ""}, []string{"mnist", "fashion", "emnist-letters", "all"}, nil},
		{[]string{"data", "show", ""}, []string{"mnist", "fashion", "emnist-letters"}, []string{"all"}},
		{[]string{"data", "show", "mnist", ""}, nil, []string{"mnist", "fashion"}},
	} {
		got, directive := complete(t, c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: offered %v, want %s among them (%s)", strings.Join(c.args, " "), got, w, directive)
			}
		}
		for _, w := range c.wantNone {
			if slices.Contains(got, w) {
				t.Errorf("%s: offered %v, want no %s", strings.Join(c.args, " "), got, w)
			}
		}
	}
	res := execute(t, "finetune", "--target", "emnist")
	var u usageError
	if !errors.As(res.err, &u) || !strings.Contains(res.err.Error(), "did you mean emnist-letters?") {
		t.Errorf("--target emnist: %v; want a usage error saying did you mean emnist-letters?", res.err)
	}
}

// A mistyped flag is a usage error that names the flag meant.
func TestUnknownFlagSuggestsTheCloseOne(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"overfit", "--epoch", "3"}, "did you mean --epochs?"},
		{[]string{"finetune", "--per-clas", "3"}, "did you mean --per-class?"},
		{[]string{"eval", "--chekpoint", "x.pt"}, "did you mean --checkpoint?"},
	} {
		res := execute(t, c.args...)
		var u usageError
		if !errors.As(res.err, &u) || !strings.Contains(res.err.Error(), c.want) {
			t.Errorf("%v: %v; want a usage error saying %q", c.args, res.err, c.want)
		}
	}
	if res := execute(t, "eval", "--zzz"); res.err == nil || strings.Contains(res.err.Error(), "did you mean") {
		t.Errorf("--zzz: %v; want no suggestion", res.err)
	}
}
