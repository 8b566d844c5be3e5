package charts

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A directory listing shows only what can be served: no symbolic link
// whose target is outside the results folder (or missing), and such a link
// is not served either.
func TestServeListingHidesLinksOutside(t *testing.T) {
	base := t.TempDir()
	results := filepath.Join(base, "results")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(results, "run", "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, c := range map[string]string{
		filepath.Join(results, "run", "metrics.json"): "{}",
		filepath.Join(results, "shared.txt"):          "shared",
		filepath.Join(outside, "secret.txt"):          secret,
	} {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for l, target := range map[string]string{
		"escape-abs.txt": filepath.Join(outside, "secret.txt"),
		"escape-rel.txt": filepath.Join("..", "..", "outside", "secret.txt"),
		"escape-dir":     outside,
		"dangling.txt":   "missing.txt",
		"shared.txt":     filepath.Join("..", "shared.txt"), // stays inside: listed and served
	} {
		if err := os.Symlink(target, filepath.Join(results, "run", l)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	addr := startServe(t, results, defaultTimeouts)

	code, body := rawGet(t, addr, "/run/")
	if code != http.StatusOK {
		t.Fatalf("GET /run/: %d %q", code, body)
	}
	for _, name := range []string{`"metrics.json"`, `"shared.txt"`, `"sub/"`} {
		if !strings.Contains(body, "href="+name) {
			t.Errorf("listing of /run/ lacks %s:\n%s", name, body)
		}
	}
	for _, name := range []string{"escape-abs.txt", "escape-rel.txt", "escape-dir", "dangling.txt"} {
		if strings.Contains(body, name) {
			t.Errorf("listing of /run/ shows %s, which cannot be served:\n%s", name, body)
		}
		code, body := rawGet(t, addr, "/run/"+name)
		if code != http.StatusNotFound || strings.Contains(body, secret) {
			t.Errorf("GET /run/%s: %d %q, want 404", name, code, body)
		}
	}
	if code, body := rawGet(t, addr, "/run/shared.txt"); code != http.StatusOK || body != "shared" {
		t.Errorf("GET /run/shared.txt (a link inside): %d %q, want 200 \"shared\"", code, body)
	}
}
