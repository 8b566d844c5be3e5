package train

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"transferlab/metrics"
)

// interruptedRun leaves a small FFN run interrupted after its first
// epoch, resumable, and returns its options (Resume set) and folder.
func interruptedRun(t *testing.T) (Recipe, Options, string) {
	t.Helper()
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.EvalLimit, o.Hidden, o.RunName = 200, 3, 100, []int{16}, "named"
	ctx, cancel := context.WithCancel(context.Background())
	o.OnEpoch = func(run *metrics.Run) error {
		cancel()
		return nil
	}
	if _, err := Run(ctx, r, o); err == nil {
		t.Fatal("the run was not interrupted")
	}
	o.OnEpoch, o.Resume = nil, true
	return r, o, filepath.Join(o.ResultsDir, "named")
}

// editResumeJSON changes resume.json's fields as a hand (or an attacker)
// might.
func editResumeJSON(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, resumeJSON)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// resume.json names its checkpoint; a name that is not a plain file name
// in the run folder ("../../etc/passwd" was opened and hashed) and an
// epoch that no run records (-1 was accepted) are refused before any file
// is opened.
func TestResumePointNamingAFileElsewhereIsRefused(t *testing.T) {
	pin(t)
	r, o, dir := interruptedRun(t)
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("not yours"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, resumeJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		field string
		value any
		want  string
	}{
		{"file", rel, "is not a file name in the run folder"},
		{"file", outside, "is not a file name in the run folder"},
		{"file", "..", "is not a file name in the run folder"},
		{"file", "", "is not a file name in the run folder"},
		{"epoch", -1, "records epoch -1 with 1 epochs of history"},
		{"epoch", 2, "records epoch 2 with 1 epochs of history"},
	} {
		editResumeJSON(t, dir, func(m map[string]any) { m[c.field] = c.value })
		_, err := Run(context.Background(), r, o)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "is damaged") {
			t.Errorf("%s %v: got %v, want it refused: %q", c.field, c.value, err, c.want)
		}
		if err := os.WriteFile(filepath.Join(dir, resumeJSON), good, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(outside); string(b) != "not yours" {
		t.Errorf("the file outside the run folder was changed: %q", b)
	}
	// The untouched resume point still resumes.
	if run, err := Run(context.Background(), r, o); err != nil || len(run.History) != 3 {
		t.Errorf("resuming the intact run: %v", err)
	}
}

// A resume with other settings names each setting that differs, by its
// name in metrics.json, with the old and the new value; it printed the
// whole Go struct.
func TestResumeNamesTheSettingsThatDiffer(t *testing.T) {
	pin(t)
	r, o, _ := interruptedRun(t)
	o.LR, o.BatchSize = 0.01, 64
	_, err := Run(context.Background(), r, o)
	if err == nil {
		t.Fatal("resumed with other settings")
	}
	msg := err.Error()
	for _, want := range []string{"other settings (batch_size 2048, now 64; lr 0.006, now 0.01)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("got %q, want it to contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "Model:") || strings.Contains(msg, "{") {
		t.Errorf("the message prints a Go value: %q", msg)
	}
}
