package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"transferlab/metrics"
)

// resultsWithRun is a results folder holding one finished run's metrics.
func resultsWithRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	r := &metrics.Run{Name: "overfit", Kind: "overfit", Status: "done",
		Config:  metrics.Config{Model: "ffn", Dataset: "mnist", Epochs: 1},
		History: []metrics.Epoch{{Epoch: 1, TrainLoss: 0.5, TrainAcc: 90, Seconds: 1}}}
	if err := metrics.WriteJSON(filepath.Join(dir, r.Name, metrics.FileName), r); err != nil {
		t.Fatal(err)
	}
	return dir
}

// report and serve take the results folder as --results-dir, like every
// other command; --results, their old name, still works but is hidden from
// the help and says it is deprecated.
func TestReportResultsDirFlag(t *testing.T) {
	for _, flag := range []string{"--results-dir", "--results"} {
		dir := resultsWithRun(t)
		root := newRootCommand()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs([]string{"report", flag, dir})
		if err := root.Execute(); err != nil {
			t.Errorf("report %s DIR: %v", flag, err)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "overfit", "index.html")); err != nil {
			t.Errorf("report %s DIR did not build that folder's pages: %v\n%s", flag, err, out.String())
		}
		if !strings.Contains(out.String(), "in "+dir+";") {
			t.Errorf("report %s DIR: output does not name the folder:\n%s", flag, out.String())
		}
		deprecated := strings.Contains(out.String(), "deprecated")
		if want := flag == "--results"; deprecated != want {
			t.Errorf("report %s DIR: deprecation notice %v, want %v:\n%s", flag, deprecated, want, out.String())
		}
	}
	wantHelpFlags(t, "report")
}

func TestServeResultsDirFlag(t *testing.T) {
	for _, flag := range []string{"--results-dir", "--results"} {
		dir := resultsWithRun(t)
		root := newRootCommand()
		var out lockedBuffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs([]string{"serve", flag, dir, "--addr", "127.0.0.1:0"})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(ctx) }()
		serving := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if serving = strings.Contains(out.String(), "serving "+dir+" at http://127.0.0.1:"); serving {
				break
			}
			select {
			case err := <-done:
				t.Fatalf("serve %s DIR ended: %v\n%s", flag, err, out.String())
			default:
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve %s DIR: %v", flag, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("serve %s DIR did not stop", flag)
		}
		if !serving {
			t.Errorf("serve %s DIR did not serve that folder:\n%s", flag, out.String())
		}
		deprecated := strings.Contains(out.String(), "deprecated")
		if want := flag == "--results"; deprecated != want {
			t.Errorf("serve %s DIR: deprecation notice %v, want %v:\n%s", flag, deprecated, want, out.String())
		}
	}
	wantHelpFlags(t, "serve")
}

// wantHelpFlags checks that a command's help offers --results-dir and
// hides --results.
func wantHelpFlags(t *testing.T, command string) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{command, "--help"})
	if err := root.Execute(); err != nil {
		t.Fatalf("%s --help: %v", command, err)
	}
	help := out.String()
	if !strings.Contains(help, "--results-dir string") {
		t.Errorf("%s --help does not offer --results-dir:\n%s", command, help)
	}
	if strings.Contains(help, "--results string") {
		t.Errorf("%s --help shows the deprecated --results:\n%s", command, help)
	}
}

// lockedBuffer is a bytes.Buffer that the server goroutine and the test
// can share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
