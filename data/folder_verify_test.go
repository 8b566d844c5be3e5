package data

import (
	"bytes"
	"context"
	"image"
	"strings"
	"testing"
)

// 'data verify folder:DIR' loads the folder as training would (every image
// decoded and prepared) and reports each split, instead of looking for IDX
// files; a broken image is reported by name.
func TestVerifyFolderDataset(t *testing.T) {
	dir := t.TempDir()
	for i, class := range []string{"a", "a", "b", "b", "b"} {
		putImage(t, dir, "train/"+class+"/"+string(rune('0'+i))+".png", grayImage(28, 28, 0, 255, image.Rect(5, 5, 20, 20)))
	}
	d, err := Lookup("folder:" + dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if !verifyDataset(context.Background(), &out, d, true, folderOpts(t)) {
		t.Fatalf("a good folder failed verify:\n%s", out.String())
	}
	for _, want := range []string{"folder:" + dir + " train: ok", "folder:" + dir + " test: ok"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q:\n%s", want, out.String())
		}
	}
	putFile(t, dir, "train/b/broken.png", []byte("not a png"))
	out.Reset()
	if verifyDataset(context.Background(), &out, d, true, folderOpts(t)) || !strings.Contains(out.String(), "broken.png") {
		t.Errorf("a folder with a broken image passed verify, or did not name it:\n%s", out.String())
	}
}
