package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// weightsSetup serves body as resnet18's published file, registered with
// the SHA-256 prefix prefix for the test's duration.
func weightsSetup(t *testing.T, body []byte, prefix string) (*testServer, Options, string) {
	t.Helper()
	saved := weightsFiles["resnet18"]
	t.Cleanup(func() { weightsFiles["resnet18"] = saved })
	name := "resnet18-" + prefix + ".pth"
	weightsFiles["resnet18"] = File{Name: name, SHA256: prefix}
	s := &testServer{files: map[string][]byte{"/models/" + name: body}}
	url := startServer(t, s)
	opts := Options{DataDir: t.TempDir(), RetryWait: time.Millisecond, URLs: map[string][]string{"resnet18": {url + "/models/"}}}
	return s, opts, filepath.Join(opts.WeightsDir(), name)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func fakeWeights() []byte { return bytes.Repeat([]byte("not really a state_dict "), 4096) }

func TestFetchWeightsChecksTheHashPrefix(t *testing.T) {
	body := fakeWeights()
	_, opts, path := weightsSetup(t, body, sha256Hex(body)[:8])
	got, err := FetchWeights(context.Background(), io.Discard, "resnet18", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got != path {
		t.Fatalf("fetched to %s, want %s", got, path)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, body) {
		t.Fatal("the fetched file differs from the served one")
	}
	if p, err := WeightsPath("resnet18", opts); err != nil || p != path {
		t.Fatalf("WeightsPath = %s, %v", p, err)
	}
}

func TestFetchWeightsRefusesAHashMismatch(t *testing.T) {
	body := fakeWeights()
	wrong := "00000000"
	if strings.HasPrefix(sha256Hex(body), wrong) {
		wrong = "11111111"
	}
	_, opts, path := weightsSetup(t, body, wrong)
	_, err := FetchWeights(context.Background(), io.Discard, "resnet18", opts)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a checksum mismatch", err)
	}
	assertFiles(t, opts.WeightsDir()) // nothing kept, not even .part
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("%s exists after a mismatch", path)
	}
}

// A connection that breaks mid-file resumes with a Range request, and a
// .part left by an earlier run is resumed, not fetched again.
func TestFetchWeightsResumes(t *testing.T) {
	body := fakeWeights()
	s, opts, path := weightsSetup(t, body, sha256Hex(body)[:8])
	s.breakAfter, s.breaks = len(body)/3, 1
	if _, err := FetchWeights(context.Background(), io.Discard, "resnet18", opts); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, body) {
		t.Fatal("the resumed file differs from the served one")
	}
	reqs := s.log()
	if len(reqs) != 2 || !strings.HasSuffix(reqs[1], "bytes="+strconv.Itoa(len(body)/3)+"-") {
		t.Fatalf("requests %q: want a second one resuming at byte %d", reqs, len(body)/3)
	}

	os.Remove(path)
	half := len(body) / 2
	if err := os.WriteFile(path+".part", body[:half], 0o644); err != nil {
		t.Fatal(err)
	}
	served := s.served
	if _, err := FetchWeights(context.Background(), io.Discard, "resnet18", opts); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, body) {
		t.Fatal("the file resumed from .part differs from the served one")
	}
	if n := s.served - served; n != int64(len(body)-half) {
		t.Fatalf("served %d bytes to finish a .part of %d, want %d", n, half, len(body)-half)
	}
}

// Offline, the error says what to fetch, from where, and where it goes.
func TestWeightsPathMissingSaysWhatToDo(t *testing.T) {
	opts := Options{DataDir: t.TempDir()}
	t.Setenv("TORCH_HOME", t.TempDir())
	_, err := WeightsPath("resnet18", opts)
	if err == nil {
		t.Fatal("no error for missing weights")
	}
	for _, want := range []string{"resnet18-f37072fd.pth", "transferlab weights fetch resnet18", TorchvisionModelsURL + "resnet18-f37072fd.pth", opts.WeightsDir()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := WeightsPath("vgg16", opts); err == nil || !strings.Contains(err.Error(), "choose mobilenet_v2, resnet18, resnet50") {
		t.Errorf("unknown weights: %v", err)
	}
}
