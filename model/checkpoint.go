package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/pickle"
	"github.com/sugarme/gotch/ts"
	"golang.org/x/sys/unix"

	"transferlab/metrics"
)

// Sidecar is the JSON file beside every .pt checkpoint (model.pt ->
// model.json): what the network is, how it was trained and how it scored.
// 'transferlab eval' rebuilds the network from it.
type Sidecar struct {
	Format    int                `json:"format"` // SidecarFormat
	Arch      Arch               `json:"arch"`
	Classes   []string           `json:"classes"`
	Dataset   string             `json:"dataset"`
	Config    metrics.Config     `json:"config"`
	Epoch     int                `json:"epoch"`
	Final     metrics.Final      `json:"final"`
	History   []metrics.Epoch    `json:"history,omitempty"`
	Seed      int64              `json:"seed"`
	Command   string             `json:"command,omitempty"`
	Env       metrics.Env        `json:"env"`
	Saved     time.Time          `json:"saved"`
	SHA256    string             `json:"sha256"` // of the .pt file
	Tensors   map[string][]int   `json:"tensors"`
	Reference *metrics.Reference `json:"reference,omitempty"`
	// Selection is the epoch whose weights these are (--keep best) and
	// whether the run stopped early, when either is on.
	Selection *metrics.Selection `json:"selection,omitempty"`
}

// SidecarFormat is the version of the sidecar layout.
const SidecarFormat = 1

// SidecarPath is the sidecar's path for a checkpoint path.
func SidecarPath(pt string) string { return strings.TrimSuffix(pt, filepath.Ext(pt)) + ".json" }

// SaveCheckpoint writes vs to path (a TorchScript archive that
// torch.jit.load opens; its state_dict() maps one to one onto the seed's
// module) and the sidecar beside it. Both go to temp files first and are
// renamed into place, so an interrupted save never leaves a half-written
// checkpoint under the final name.
func SaveCheckpoint(vs *nn.VarStore, path string, sc Sidecar) error {
	var named []ts.NamedTensor
	sc.Tensors = map[string][]int{}
	for _, p := range Params(vs) {
		named = append(named, ts.NamedTensor{Name: p.Name, Tensor: p.Tensor})
		sc.Tensors[p.Name] = intShape(p.Tensor.MustSize())
	}
	sum, err := SaveTensors(named, path)
	if err != nil {
		return err
	}
	sc.SHA256 = sum
	sc.Format = SidecarFormat
	sc.Saved = time.Now().UTC()
	return metrics.WriteJSON(SidecarPath(path), sc)
}

// SaveTensors writes named tensors to path as a TorchScript archive and
// returns the file's SHA-256. libtorch writes the archive into memory (a
// memfd), never to the disk: its archive writer throws from a destructor
// when a write falls short, which no caller can catch, so a full disk would
// abort the process. Go then copies the archive to a synced temp file and
// renames it into place, and a short write is an ordinary error that
// leaves the previous file whole.
func SaveTensors(named []ts.NamedTensor, path string) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save %s: %w", path, err)
	}
	archive, err := archiveInMemory(named, filepath.Base(path))
	if err != nil {
		return "", fmt.Errorf("save %s: %w", path, err)
	}
	defer archive.Close()
	h := sha256.New()
	err = metrics.WriteAtomic(path, func(w io.Writer) error {
		_, err := io.Copy(io.MultiWriter(w, h), archive)
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// archiveInMemory has libtorch write named as a TorchScript archive into
// an anonymous in-memory file and returns it, positioned at its start.
// libtorch names the archive's top folder after the file it writes, so it
// writes through a symbolic link called name, in a private temp folder,
// that points at the memfd (/proc/self/fd/N).
func archiveInMemory(named []ts.NamedTensor, name string) (*os.File, error) {
	fd, err := unix.MemfdCreate("transferlab-checkpoint", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "checkpoint archive")
	linkDir, err := os.MkdirTemp("", "transferlab-save-*")
	if err != nil {
		f.Close()
		return nil, err
	}
	defer os.RemoveAll(linkDir)
	link := filepath.Join(linkDir, name)
	if err := os.Symlink(fmt.Sprintf("/proc/self/fd/%d", fd), link); err != nil {
		f.Close()
		return nil, err
	}
	// Tensors are saved as contiguous CPU copies where they are not: a
	// network trained on a GPU opens on a CPU machine and in PyTorch
	// without map_location, and channels_last weights make the same file
	// as standard ones. The caller's slice is left as it was.
	cpu := make([]ts.NamedTensor, len(named))
	for i, nt := range named {
		cpu[i] = nt
		if nt.Tensor.MustDevice().IsCuda() {
			c := nt.Tensor.MustTo(gotch.CPU, false)
			defer c.MustDrop()
			cpu[i].Tensor = c
		}
		if !cpu[i].Tensor.MustIsContiguous() {
			c := cpu[i].Tensor.MustContiguous(false)
			defer c.MustDrop()
			cpu[i].Tensor = c
		}
	}
	if err := ts.SaveMultiNew(cpu, link); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s", firstLine(err))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadSidecar reads and checks the sidecar of checkpoint pt.
func ReadSidecar(pt string) (*Sidecar, error) {
	if err := metrics.CheckRegular(pt); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("checkpoint %s does not exist", pt)
		}
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	p := SidecarPath(pt)
	b, err := readSidecarFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s has no sidecar %s: transferlab needs it to rebuild the network (a plain torch.save state_dict of the seed's CNN can start a transfer: 'transferlab finetune --from PATH')", pt, p)
	}
	if err != nil {
		return nil, err
	}
	var sc Sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return nil, fmt.Errorf("sidecar %s is not valid JSON: %w", p, err)
	}
	if sc.Format != SidecarFormat {
		return nil, fmt.Errorf("sidecar %s has format %d, this transferlab reads format %d", p, sc.Format, SidecarFormat)
	}
	// The network first: a class count that no network has (-5) is named
	// as such, not compared with the class names.
	if err := sc.Arch.Check(); err != nil {
		return nil, fmt.Errorf("sidecar %s: %w", p, err)
	}
	if len(sc.Classes) != sc.Arch.Classes {
		return nil, fmt.Errorf("sidecar %s names %d classes for a %d-way network", p, len(sc.Classes), sc.Arch.Classes)
	}
	// The network it describes is built only for the file it describes.
	if err := VerifySidecarSum(pt); err != nil {
		return nil, err
	}
	return &sc, nil
}

// maxSidecarBytes bounds what is read of a sidecar: a real one holds a
// run's configuration and per-epoch history, a few tens of KB.
const maxSidecarBytes = 16 << 20

// readSidecarFile reads a sidecar that must be a regular file of at most
// maxSidecarBytes (a link to /dev/zero, a FIFO or a huge file is refused
// before it is read).
func readSidecarFile(p string) ([]byte, error) {
	b, err := metrics.ReadBounded(p, maxSidecarBytes)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sidecar: %w", err)
	}
	return b, err
}

// LoadWeights copies the tensors of file into vs's parameters. file is
// either a transferlab/TorchScript archive or a plain PyTorch
// `torch.save(model.state_dict(), f)` file. Every parameter of vs must be
// present with the same shape unless its name starts with one of skip (a
// replaced head); extra tensors in the file are an error too. Errors name
// the tensor. A file with no num_batches_tracked at all (a state_dict
// saved before PyTorch 0.4.1 had the counter) leaves the network's
// counters as they are (0 in a new network),
// as PyTorch's BatchNorm loading does for such files.
func LoadWeights(vs *nn.VarStore, file string, skip ...string) error {
	if err := VerifySidecarSum(file); err != nil {
		return err
	}
	named, err := ReadTensors(file)
	if err != nil {
		return err
	}
	defer func() {
		for _, t := range named {
			t.MustDrop()
		}
	}()
	params := Params(vs)
	want := map[string]bool{}
	for _, p := range params {
		want[p.Name] = true
	}
	var extra []string
	noCounters := true
	for name := range named {
		if !want[name] && !hasPrefix(name, skip) {
			extra = append(extra, name)
		}
		if strings.HasSuffix(name, ".num_batches_tracked") {
			noCounters = false
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		return fmt.Errorf("%s holds tensor %s, which this network does not have: is it a checkpoint of another architecture?", file, extra[0])
	}
	for _, p := range params {
		if hasPrefix(p.Name, skip) {
			continue
		}
		src, ok := named[p.Name]
		if !ok && noCounters && strings.HasSuffix(p.Name, ".num_batches_tracked") {
			continue
		}
		if !ok {
			return fmt.Errorf("%s lacks tensor %s: is it a checkpoint of another architecture?", file, p.Name)
		}
		got, wantShape := src.MustSize(), p.Tensor.MustSize()
		if len(wantShape) == 0 && reflect.DeepEqual(got, []int64{1}) {
			// gotch's pickle reader gives a 0-d tensor (a batch norm's
			// num_batches_tracked) the shape [1]; the value is the same.
			src = src.MustSqueeze(false)
			defer src.MustDrop()
			got = wantShape
		}
		if !reflect.DeepEqual(got, wantShape) {
			return fmt.Errorf("tensor %s in %s has shape %v, the network needs %v", p.Name, file, got, wantShape)
		}
		if want := p.Tensor.DType(); src.DType() != want {
			return fmt.Errorf("tensor %s in %s is %v, transferlab needs %v", p.Name, file, src.DType(), want)
		}
		if finite, err := allFinite(src); err != nil || !finite {
			return fmt.Errorf("tensor %s in %s holds NaN or infinite values: the network diverged before it was saved, or the file is damaged", p.Name, file)
		}
		ts.NoGrad(func() { p.Tensor.Copy_(src) })
	}
	return nil
}

// allFinite reports whether every value of t is finite (no NaN, no ±Inf).
func allFinite(t *ts.Tensor) (bool, error) {
	fin, err := t.Isfinite(false)
	if err != nil {
		return false, err
	}
	all, err := fin.All(true)
	if err != nil {
		return false, err
	}
	n, err := all.Totype(gotch.Int64, true)
	if err != nil {
		return false, err
	}
	defer n.MustDrop()
	v, err := Int(n)
	return v == 1, err
}

// VerifySidecarSum fails when file has a sidecar that records another
// file's SHA-256: the pair was torn (a save killed between the two renames)
// or the .pt was replaced, and the sidecar would describe the wrong network.
// A .pt without a sidecar (a plain PyTorch file) passes.
func VerifySidecarSum(file string) error {
	b, err := readSidecarFile(SidecarPath(file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var sc struct {
		SHA256 string `json:"sha256"`
	}
	if json.Unmarshal(b, &sc) != nil || sc.SHA256 == "" {
		return nil
	}
	sum, err := FileSHA256(file)
	if err != nil {
		return err
	}
	if sum != sc.SHA256 {
		return fmt.Errorf("%s does not match its sidecar %s (SHA-256 %.12s…, the sidecar records %.12s…): was a save interrupted, or the file replaced? Train or copy the pair again", file, SidecarPath(file), sum, sc.SHA256)
	}
	return nil
}

// ReadTensors reads the named tensors of a TorchScript archive, falling back
// to PyTorch's pickle format. It checks the file's structure in Go first
// (CheckArchive): libtorch must never be handed a damaged archive.
func ReadTensors(file string) (map[string]*ts.Tensor, error) {
	if err := CheckArchive(file); err != nil {
		return nil, err
	}
	out := map[string]*ts.Tensor{}
	named, jitErr := ts.LoadMultiWithDevice(file, gotch.CPU)
	if jitErr == nil {
		for _, n := range named {
			out[n.Name] = n.Tensor
		}
		return out, nil
	}
	m, err := decodePickle(file)
	if err != nil {
		return nil, fmt.Errorf("%s cannot be read as a TorchScript archive (%v) nor as a torch.save state_dict (%v)", file, firstLine(jitErr), firstLine(err))
	}
	return m, nil
}

// decodePickle reads a torch.save file with gotch's pickle reader, which
// panics on content it does not expect (a pickled module, lists, other
// classes); that becomes an error here.
func decodePickle(file string) (m map[string]*ts.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("unexpected content: %v", r)
		}
	}()
	m, err = pickle.Decode(file)
	if err == nil && len(m) == 0 {
		err = fmt.Errorf("it holds no tensors")
	}
	return m, err
}

func hasPrefix(name string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func intShape(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// FileSHA256 is the hex SHA-256 of a file.
func FileSHA256(path string) (string, error) {
	f, _, err := metrics.OpenRegular(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
