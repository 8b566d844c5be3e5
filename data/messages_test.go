package data

import (
	"context"
	"image"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A bad file in a folder:DIR dataset names the flag that skips such
// files, --skip-bad, not the Go field SkipBad.
func TestFolderBadFileNamesTheFlag(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"a", "b"} {
		putImage(t, dir, "train/"+c+"/1.png", grayImage(28, 28, 0, 255, image.Rect(3, 3, 9, 9)))
		putImage(t, dir, "train/"+c+"/2.png", grayImage(28, 28, 0, 255, image.Rect(4, 3, 9, 9)))
	}
	putFile(t, dir, "train/a/broken.png", []byte("this is text"))
	_, err := loadFolderByName(context.Background(), "folder:"+dir, folderOpts(t))
	if err == nil || !strings.Contains(err.Error(), "--skip-bad") || strings.Contains(err.Error(), "SkipBad") {
		t.Errorf("got %v, want the bad file named with the flag --skip-bad", err)
	}
}

// An image given by path (predict) that is a FIFO is refused at once; it
// blocked the open until killed.
func TestDecodeFileRefusesAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "digit.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := DecodeFile(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), fifo+" is not a regular file (a FIFO)") {
			t.Errorf("got %v, want the FIFO refused", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("DecodeFile still blocks on the FIFO after 5 s")
	}
}
