package data

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"transferlab/metrics"
)

// SumsFile is the manifest, beside a dataset's files in the data dir, of
// the SHA-256 sums transferlab recorded when it extracted files that have
// no published sum (the EMNIST letters images, out of NIST's gzip.zip).
// Fetch writes it; Load, 'data verify' and later fetches check the files
// against it, so that a file whose content changed after extraction is
// caught even though no registry sum exists for it.
const SumsFile = "sha256sums.json"

// sumsManifest is the content of SumsFile.
type sumsManifest struct {
	About string                  `json:"about"`
	Files map[string]recordedFile `json:"files"` // by file name
}

// recordedFile is one file's entry in SumsFile.
type recordedFile struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// From is the archive's URL; ArchiveMD5 the MD5 of the archive as it
	// was read ("" = not computed), ArchiveMD5OK whether it was the
	// published one.
	From         string `json:"from"`
	ArchiveMD5   string `json:"archive_md5,omitempty"`
	ArchiveMD5OK bool   `json:"archive_md5_ok"`
}

const sumsAbout = "SHA-256 of files transferlab extracted from an archive, recorded when extracted; " +
	"'transferlab data verify' checks the files against them"

// readSums reads the SumsFile in dir; none there is an empty manifest.
func readSums(dir string) (*sumsManifest, error) {
	path := filepath.Join(dir, SumsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &sumsManifest{Files: map[string]recordedFile{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var m sumsManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: unreadable: %v", path, err)
	}
	for name, f := range m.Files {
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%s: %s: sha256 %q is not 64 hex digits", path, name, f.SHA256)
		}
	}
	if m.Files == nil {
		m.Files = map[string]recordedFile{}
	}
	return &m, nil
}

// writeSums writes m as dir's SumsFile atomically (metrics.WriteJSON): a
// crash leaves the previous manifest or the new one.
func writeSums(dir string, m *sumsManifest) error {
	m.About = sumsAbout
	return metrics.WriteJSON(filepath.Join(dir, SumsFile), m)
}

// recorded says which expected sums came from a SumsFile.
type recorded struct {
	manifest string   // the SumsFile's path; "" = no sum came from one
	sums     []string // the sums taken from it
}

// note marks a checksum mismatch against one of r's sums as such, so that
// its message says where the sum it wanted came from.
func (r recorded) note(err error) error {
	var ce *ChecksumError
	if errors.As(err, &ce) && slices.Contains(r.sums, ce.Want) {
		ce.Recorded = r.manifest
	}
	return err
}

// withRecorded returns f with the SHA-256 and size recorded for it in the
// SumsFile beside path, when the registry knows no sum for it. A manifest
// that cannot be read is an error: the files it vouches for cannot be
// checked.
func withRecorded(path string, f File) (File, recorded, error) {
	if f.SHA256 != "" || f.Name == "" {
		return f, recorded{}, nil
	}
	dir := filepath.Dir(path)
	m, err := readSums(dir)
	if err != nil {
		return f, recorded{}, err
	}
	r, ok := m.Files[f.Name]
	if !ok {
		return f, recorded{}, nil
	}
	f.SHA256 = r.SHA256
	if f.Size == 0 {
		f.Size = r.Size
	}
	return f, recorded{filepath.Join(dir, SumsFile), []string{r.SHA256}}, nil
}

// withRecordedSplit is withRecorded for both files of a split.
func withRecordedSplit(sf SplitFiles, imgPath, lblPath string) (SplitFiles, recorded, error) {
	img, ri, err := withRecorded(imgPath, sf.Images)
	if err != nil {
		return sf, recorded{}, err
	}
	lbl, rl, err := withRecorded(lblPath, sf.Labels)
	if err != nil {
		return sf, recorded{}, err
	}
	sf.Images, sf.Labels = img, lbl
	r := recorded{manifest: ri.manifest, sums: append(ri.sums, rl.sums...)}
	if r.manifest == "" {
		r.manifest = rl.manifest
	}
	return sf, r, nil
}
