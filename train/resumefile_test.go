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

// interruptedRun runs r with o, interrupted after its first epoch so
// that it is resumable, and returns o for its --resume and the run folder.
// o.RunName must be set: the resume looks in that folder whatever the
// settings (an unnamed run with another --lr has a folder of its own).
func interruptedRun(t *testing.T, r Recipe, o Options) (Options, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	o.OnEpoch = func(run *metrics.Run) error {
		cancel()
		return nil
	}
	if _, err := Run(ctx, r, o); err == nil {
		t.Fatal("the run was not interrupted")
	}
	o.OnEpoch, o.Resume = nil, true
	return o, filepath.Join(o.ResultsDir, o.RunName)
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
	r := overfitRecipe()
	o := quick(t)
	o.Limit, o.Epochs, o.EvalLimit, o.Hidden, o.RunName = 200, 3, 100, []int{16}, "named"
	o, dir := interruptedRun(t, r, o)
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
