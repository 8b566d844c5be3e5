package charts

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const secret = "TOP-SECRET-OUTSIDE-THE-RESULTS-FOLDER"

// serveTree lays out a results folder next to a secret file outside it,
// with symbolic links that lead out (and one that stays in).
func serveTree(t *testing.T) (results, outside string) {
	t.Helper()
	base := t.TempDir()
	results = filepath.Join(base, "results")
	outside = filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(results, "run"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(results, "index.html"):        "<h1>index</h1>",
		filepath.Join(results, "run", "index.html"): "<h1>run page</h1>",
		filepath.Join(outside, "secret.txt"):        secret,
		filepath.Join(base, "secret.txt"):           secret,
	}
	for p, c := range files {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		filepath.Join(results, "outdir"):             outside,                                 // directory outside
		filepath.Join(results, "outfile.txt"):        filepath.Join(outside, "secret.txt"),    // file outside, absolute
		filepath.Join(results, "run", "rel.txt"):     filepath.Join("..", "..", "secret.txt"), // file outside, relative
		filepath.Join(results, "run", "inside.html"): filepath.Join("..", "index.html"),       // stays inside: allowed
	}
	for l, target := range links {
		if err := os.Symlink(target, l); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	return results, outside
}

// rawGet sends a request line as is (no client-side cleaning) and returns
// the status code and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeConfinedToResults(t *testing.T) {
	results, outside := serveTree(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, &out, ln, results) }()

	for _, ok := range []struct{ path, want string }{
		{"/", "index"},
		{"/index.html", ""}, // FileServer redirects index.html to ./
		{"/run/", "run page"},
		{"/run/inside.html", "index"},
	} {
		code, body := rawGet(t, addr, ok.path)
		if ok.want == "" {
			if code != http.StatusMovedPermanently {
				t.Errorf("GET %s: %d, want 301", ok.path, code)
			}
			continue
		}
		if code != http.StatusOK || !strings.Contains(body, ok.want) {
			t.Errorf("GET %s: %d %q, want 200 with %q", ok.path, code, body, ok.want)
		}
	}

	for _, target := range []string{
		"/../secret.txt",
		"/../../secret.txt",
		"/run/../../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2E/%2e%2e/secret.txt",
		"/run/%2e%2e/%2e%2e/secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"/..%5csecret.txt",
		"/..\\secret.txt",
		"//" + strings.TrimPrefix(filepath.Join(outside, "secret.txt"), "/"),
		filepath.Join(outside, "secret.txt"),
		"http://" + addr + "/../secret.txt",
		"/outdir/secret.txt",
		"/outdir/",
		"/outfile.txt",
		"/run/rel.txt",
		"/etc/passwd",
		"/%00secret.txt",
	} {
		code, body := rawGet(t, addr, target)
		t.Logf("GET %s: %d", target, code)
		if code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 400 or 404", target, code)
		}
		if strings.Contains(body, secret) || strings.Contains(body, "root:") {
			t.Errorf("GET %s leaked a file from outside: %q", target, body)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	if s := out.String(); !strings.Contains(s, "serving "+results+" at http://"+addr+"/") || !strings.Contains(s, "stopped") {
		t.Errorf("output %q", s)
	}
	if strings.Contains(out.String(), "warning") {
		t.Error("warned about a loopback address")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
}

func TestServeMethodsAndHeaders(t *testing.T) {
	results, _ := serveTree(t)
	root, err := os.OpenRoot(results)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	srv := httptest.NewServer(newHandler(root))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/run/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/run/index.html?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestServeErrors(t *testing.T) {
	for _, addr := range []string{"8080", "localhost", ":"} {
		if err := CheckAddr(addr); err == nil {
			t.Errorf("CheckAddr(%q) accepted", addr)
		}
	}
	for _, addr := range []string{DefaultAddr, "127.0.0.1:0", "[::1]:8080", ":8080"} {
		if err := CheckAddr(addr); err != nil {
			t.Errorf("CheckAddr(%q): %v", addr, err)
		}
	}
	err := Serve(context.Background(), io.Discard, filepath.Join(t.TempDir(), "missing"), "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
