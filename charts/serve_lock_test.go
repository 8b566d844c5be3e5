package charts

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Lock files hold the pid and the full command line of the process that
// holds them: serve neither lists nor serves them (it did both).
func TestServeHidesLockFiles(t *testing.T) {
	results := t.TempDir()
	run := filepath.Join(results, "run")
	quick := filepath.Join(results, "pretrained-quick")
	for p, c := range map[string]string{
		filepath.Join(run, "page.html"):             "<h1>run</h1>",
		filepath.Join(run, ".lock"):                 "pid 4242: transferlab finetune --from /home/me/secret.pt",
		filepath.Join(quick, ".mnist-cnn.pt.lock"):  "pid 4243: transferlab reproduce --quick",
		filepath.Join(quick, "mnist-cnn.json"):      "{}",
		filepath.Join(results, "index.html"):        "<h1>index</h1>",
		filepath.Join(results, "run", "notes.txt"):  "kept",
		filepath.Join(results, "run", "unlock.txt"): "kept too",
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr := startServe(t, results, defaultTimeouts)
	for dir, want := range map[string]string{"/run/": `href="notes.txt"`, "/pretrained-quick/": `href="mnist-cnn.json"`} {
		code, body := rawGet(t, addr, dir)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want a listing with %s:\n%s", dir, code, want, body)
		}
		if strings.Contains(body, ".lock") {
			t.Errorf("listing of %s shows a lock file:\n%s", dir, body)
		}
	}
	for _, p := range []string{"/run/.lock", "/pretrained-quick/.mnist-cnn.pt.lock", "/run/%2elock"} {
		code, body := rawGet(t, addr, p)
		if code != http.StatusNotFound || strings.Contains(body, "pid") {
			t.Errorf("GET %s: %d %q, want 404", p, code, body)
		}
	}
	if code, _ := rawGet(t, addr, "/run/unlock.txt"); code != http.StatusOK {
		t.Errorf("GET /run/unlock.txt: %d, want 200", code)
	}
}

// A results folder that is a file is named as such, not as missing.
func TestServeSaysAFileIsNotAFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Serve(context.Background(), io.Discard, file, "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("a file as the results folder: %v", err)
	}
}
