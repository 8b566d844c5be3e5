package data

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testServer serves files like a static web server that honours
// "Range: bytes=N-", and can misbehave: break the connection after some
// bytes, answer with a status, ignore Range.
type testServer struct {
	mu          sync.Mutex
	files       map[string][]byte
	status      map[string]int // path -> status to answer with
	breakAfter  int            // break responses after this many body bytes...
	breaks      int            // ...this many times (then serve normally)
	ignoreRange bool
	requests    []string // "PATH RANGE"
	served      int64    // body bytes sent
}

func (s *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.Path+" "+r.Header.Get("Range"))
	code, forced := s.status[r.URL.Path]
	body, ok := s.files[r.URL.Path]
	breakNow := s.breaks > 0
	if breakNow {
		s.breaks--
	}
	s.mu.Unlock()
	if forced {
		http.Error(w, http.StatusText(code), code)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	start := 0
	if rng := r.Header.Get("Range"); rng != "" && !s.ignoreRange {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rng, "bytes="), "-"))
		if err != nil {
			http.Error(w, "bad range", http.StatusBadRequest)
			return
		}
		if n >= len(body) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(body)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		start = n
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(body)-1, len(body)))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)-start))
	if start > 0 || (r.Header.Get("Range") != "" && !s.ignoreRange) {
		w.WriteHeader(http.StatusPartialContent)
	}
	out := body[start:]
	if breakNow && len(out) > s.breakAfter {
		w.Write(out[:s.breakAfter])
		w.(http.Flusher).Flush()
		s.count(s.breakAfter)
		panic(http.ErrAbortHandler) // the connection is reset mid-body
	}
	w.Write(out)
	s.count(len(out))
}

func (s *testServer) count(n int) {
	s.mu.Lock()
	s.served += int64(n)
	s.mu.Unlock()
}

func (s *testServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func startServer(t *testing.T, s *testServer) string {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// downloadSetup is a fake dataset served by a test server under /mnist/.
func downloadSetup(t *testing.T) (Dataset, map[string][]byte, *testServer, Options) {
	d, content := fakeDataset(t, "fake", synth{n: 300, rows: 8, cols: 8, classes: 3}, synth{n: 30, rows: 8, cols: 8, classes: 3})
	s := &testServer{files: map[string][]byte{}}
	for name, b := range content {
		s.files["/mnist/"+name] = b
	}
	url := startServer(t, s)
	opts := Options{DataDir: t.TempDir(), Download: true, RetryWait: time.Millisecond,
		URLs: map[string][]string{"fake": {url + "/mnist/"}}, LocalDirs: map[string][]string{"fake": nil}}
	return d, content, s, opts
}

// assertClean checks that the dataset folder holds exactly the files
// named: nothing partial.
func assertFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s holds %v, want %v", dir, got, want)
	}
}

func TestDownloadVerifiesAndPlacesFiles(t *testing.T) {
	d, content, _, opts := downloadSetup(t)
	var progress bytes.Buffer
	opts.Progress = &progress
	s, err := loadRegistered(context.Background(), d, "train", opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 300 {
		t.Fatalf("%d images", s.Len())
	}
	dir := filepath.Join(opts.DataDir, "fake")
	assertFiles(t, dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
	got, _ := os.ReadFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	if !bytes.Equal(got, content["train-images-idx3-ubyte.gz"]) {
		t.Fatal("downloaded file differs")
	}
	if !strings.Contains(progress.String(), "fake/train-images-idx3-ubyte.gz") || !strings.Contains(progress.String(), "100%") {
		t.Fatalf("progress output %q", progress.String())
	}
	// Without Download, a missing split is an error that says how to get it.
	opts.Download = false
	if _, err := loadRegistered(context.Background(), d, "test", opts); err == nil || !strings.Contains(err.Error(), "transferlab data fetch fake") {
		t.Fatalf("no download allowed: %v", err)
	}
}

// A connection reset mid-download is resumed with a Range request from
// where it broke, and the result verifies.
func TestDownloadResumesAfterConnectionReset(t *testing.T) {
	d, _, srv, opts := downloadSetup(t)
	srv.breakAfter, srv.breaks = 100, 1
	if _, err := loadRegistered(context.Background(), d, "train", opts); err != nil {
		t.Fatal(err)
	}
	log := strings.Join(srv.log(), "\n")
	if !strings.Contains(log, "/mnist/train-images-idx3-ubyte.gz bytes=100-") {
		t.Fatalf("no resume from byte 100; requests:\n%s", log)
	}
	assertFiles(t, filepath.Join(opts.DataDir, "fake"), "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
}

// A download that keeps breaking fails, keeps NAME.part (and nothing under
// the final name), and the next run resumes it.
func TestDownloadResumesAPartialFileOnTheNextRun(t *testing.T) {
	d, _, srv, opts := downloadSetup(t)
	srv.breakAfter, srv.breaks = 50, 1000
	_, err := loadRegistered(context.Background(), d, "train", opts)
	if err == nil || !strings.Contains(err.Error(), "run again to resume") {
		t.Fatalf("error %v, want a failure that keeps the partial file", err)
	}
	dir := filepath.Join(opts.DataDir, "fake")
	assertFiles(t, dir, "train-images-idx3-ubyte.gz.part")
	st, _ := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz.part"))
	if st.Size() != int64(50*(1+maxRetries)) {
		t.Fatalf("partial file of %d bytes, want %d", st.Size(), 50*(1+maxRetries))
	}

	srv.mu.Lock()
	srv.breaks, srv.requests = 0, nil
	srv.mu.Unlock()
	if _, err := loadRegistered(context.Background(), d, "train", opts); err != nil {
		t.Fatal(err)
	}
	if log := srv.log(); len(log) == 0 || log[0] != fmt.Sprintf("/mnist/train-images-idx3-ubyte.gz bytes=%d-", st.Size()) {
		t.Fatalf("the next run did not resume at byte %d: %v", st.Size(), log)
	}
	assertFiles(t, dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
}

// A server that ignores Range still gets the download through: its first
// bytes are read and dropped.
func TestDownloadFromAServerIgnoringRange(t *testing.T) {
	d, _, srv, opts := downloadSetup(t)
	srv.ignoreRange, srv.breakAfter, srv.breaks = true, 100, 1
	if _, err := loadRegistered(context.Background(), d, "train", opts); err != nil {
		t.Fatal(err)
	}
}

func TestDownloadNotFound(t *testing.T) {
	d, _, srv, opts := downloadSetup(t)
	srv.status = map[string]int{"/mnist/train-images-idx3-ubyte.gz": http.StatusNotFound}
	_, err := loadRegistered(context.Background(), d, "train", opts)
	if err == nil || !strings.Contains(err.Error(), "404 Not Found") || !strings.Contains(err.Error(), "/mnist/train-images-idx3-ubyte.gz") {
		t.Fatalf("error %v, want a 404 naming the URL", err)
	}
	assertFiles(t, filepath.Join(opts.DataDir, "fake"))
}

// A fetch that gets nothing leaves no empty dataset folder behind (an
// offline run used to leave data/emnist-letters/ empty).
func TestDownloadThatGetsNothingLeavesNoFolder(t *testing.T) {
	d, _, srv, opts := downloadSetup(t)
	srv.status = map[string]int{"/mnist/train-images-idx3-ubyte.gz": http.StatusNotFound}
	if _, err := loadRegistered(context.Background(), d, "train", opts); err == nil {
		t.Fatal("the download of a missing file succeeded")
	}
	if _, err := os.Stat(filepath.Join(opts.DataDir, "fake")); !os.IsNotExist(err) {
		t.Fatalf("the dataset folder is left after a fetch that got nothing (stat: %v)", err)
	}
}

// When the first source fails, the next one is tried.
func TestDownloadFallsBackToTheNextSource(t *testing.T) {
	d, _, srv, opts := downloadSetup(t)
	url := opts.URLs["fake"][0]
	opts.URLs = map[string][]string{"fake": {strings.Replace(url, "/mnist/", "/gone/", 1), url}}
	srv.status = map[string]int{"/gone/train-images-idx3-ubyte.gz": http.StatusForbidden}
	if _, err := loadRegistered(context.Background(), d, "train", opts); err != nil {
		t.Fatal(err)
	}
}

// A download whose checksum does not match is removed: nothing is left
// that could be taken for the real file.
func TestDownloadChecksumMismatch(t *testing.T) {
	d, content, srv, opts := downloadSetup(t)
	tampered := append([]byte(nil), content["train-labels-idx1-ubyte.gz"]...)
	tampered[len(tampered)/2] ^= 1
	srv.files["/mnist/train-labels-idx1-ubyte.gz"] = tampered
	_, err := loadRegistered(context.Background(), d, "train", opts)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("error %v, want a checksum mismatch", err)
	}
	assertFiles(t, filepath.Join(opts.DataDir, "fake"), "train-images-idx3-ubyte.gz")

	// A file longer than the registry says is caught as it downloads.
	srv.files["/mnist/train-labels-idx1-ubyte.gz"] = append(content["train-labels-idx1-ubyte.gz"], 0)
	_, err = loadRegistered(context.Background(), d, "train", opts)
	if err == nil || !strings.Contains(err.Error(), "want") {
		t.Fatalf("too long a file: %v", err)
	}
	assertFiles(t, filepath.Join(opts.DataDir, "fake"), "train-images-idx3-ubyte.gz")
}

// Cancelling the context stops a download.
func TestDownloadCancelled(t *testing.T) {
	d, _, _, opts := downloadSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := loadRegistered(ctx, d, "train", opts); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("error %v", err)
	}
}

func TestParseContentRange(t *testing.T) {
	for in, want := range map[string][3]int64{
		"bytes 100-199/200": {100, 200, 1},
		"bytes 0-9/*":       {0, -1, 1},
		"bytes */50":        {0, 50, 1},
		"bites 0-1/2":       {0, 0, 0},
		"bytes x-1/2":       {0, 0, 0},
	} {
		s, total, ok := parseContentRange(in)
		if ok != (want[2] == 1) || (ok && (s != want[0] || total != want[1])) {
			t.Errorf("parseContentRange(%q) = %d, %d, %v", in, s, total, ok)
		}
	}
}
