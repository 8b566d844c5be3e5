package transfer

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"transferlab/data"
	"transferlab/train"
)

// lines is a Logger that keeps what it is told.
type lines struct {
	train.Discard
	got []string
}

func (l *lines) Printf(format string, args ...any) {
	l.got = append(l.got, fmt.Sprintf(format, args...))
}

// reproduce fetches EMNIST letters when it is not in the data folder, as
// torchvision's download=True does; when the download fails it says so in
// one line and goes on with --target. With downloads off it asks nobody.
func TestReproduceDownloadsEMNISTLettersThenFallsBackToTarget(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	for _, download := range []bool{true, false} {
		requests.Store(0)
		log := &lines{}
		o := ReproduceOptions{Target: "mnist"}
		o.Log = log
		o.Data = data.Options{DataDir: t.TempDir(), Download: download, URLs: map[string][]string{data.EMNISTLetters: {srv.URL + "/gzip.zip"}}}
		target, err := transferTarget(context.Background(), o)
		if err != nil || target != "mnist" {
			t.Fatalf("download %v: target %q, %v; want mnist", download, target, err)
		}
		said := strings.Join(log.got, "\n")
		if download && (requests.Load() == 0 || !strings.Contains(said, "EMNIST letters could not be downloaded")) {
			t.Errorf("with downloads on: %d requests, log:\n%s\nwant a download tried and its failure said", requests.Load(), said)
		}
		if !download && requests.Load() != 0 {
			t.Errorf("with downloads off: %d requests, want none", requests.Load())
		}
	}
}
