// Command gotchpatch adapts gotch to the libtorch installed on this machine.
//
// gotch v0.9.1 targets libtorch 2.1: its cgo flags link CUDA libraries
// unconditionally and about a hundred of its generated C wrappers call
// functions older libtorch releases lack. gotchpatch copies gotch from the
// Go module cache into a build folder (go.mod points there with a replace
// directive), rewrites the cgo flags for the libtorch found, compiles the
// wrappers once to find the ones that do not build, and replaces their
// bodies with a thrown error that gotch returns as a Go error. The result is
// remembered per (gotch version, libtorch version), so a re-run is instant.
// No gotch source is kept in the transferlab repository.
package main

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const gotchModule = "github.com/sugarme/gotch"

//go:embed ext.go.txt
var extTemplate string

//go:embed ext.cpp.txt
var extCPP string

// stamp records what a build folder was made from. A build folder whose
// stamp matches the current inputs is up to date.
type stamp struct {
	Key      string   `json:"key"`
	Gotch    string   `json:"gotch"`
	Libtorch libtorch `json:"libtorch"`
	Stubbed  []string `json:"stubbed"`
}

func main() {
	out := flag.String("out", "build/gotch", "build folder for the adapted gotch")
	version := flag.String("gotch", "v0.9.1", "gotch version to adapt")
	dir := flag.String("libtorch", os.Getenv("LIBTORCH"), "official libtorch folder; empty for Debian's libtorch-dev")
	force := flag.Bool("force", false, "rebuild even when the build folder is up to date")
	flag.Parse()
	if err := run(*out, *version, *dir, *force); err != nil {
		fmt.Fprintln(os.Stderr, "gotchpatch:", err)
		os.Exit(1)
	}
}

func run(out, version, dir string, force bool) error {
	lt, err := findLibtorch(dir)
	if err != nil {
		return err
	}
	key := stampKey(version, lt)
	if !force {
		if st, err := readStamp(out); err == nil && st.Key == key {
			fmt.Printf("gotch %s for libtorch %s: up to date in %s (%d wrappers stubbed)\n", version, lt.Version, out, len(st.Stubbed))
			return nil
		}
	}
	src, err := moduleDir(version)
	if err != nil {
		return err
	}
	fmt.Printf("adapting gotch %s (%s) to libtorch %s (%s, cuda=%v, cxx11abi=%v) in %s\n", version, src, lt.Version, lt.Source, lt.CUDA, lt.CXX11ABI, out)
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := copyTree(src, tmp); err != nil {
		return fmt.Errorf("copy gotch: %w", err)
	}
	libtch := filepath.Join(tmp, "libtch")
	if err := os.WriteFile(filepath.Join(libtch, "lib.go"), []byte(lt.libGo()), 0o644); err != nil {
		return err
	}
	if err := patchTS(filepath.Join(tmp, "ts")); err != nil {
		return fmt.Errorf("patch gotch's ts package: %w", err)
	}
	stubbed, err := stubUntilItCompiles(libtch, version, lt)
	if err != nil {
		return err
	}
	ext := strings.NewReplacer("{{VERSION}}", lt.Version, "{{SOURCE}}", sourceName(lt), "{{CUDA}}", strconv.FormatBool(lt.CUDA), "{{STUBBED}}", quoteList(stubbed)).Replace(extTemplate)
	if err := os.WriteFile(filepath.Join(libtch, "transferlab_ext.go"), []byte(ext), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(libtch, "transferlab_ext.cpp"), []byte(extCPP), 0o644); err != nil {
		return err
	}
	st := stamp{Key: key, Gotch: version, Libtorch: lt, Stubbed: stubbed}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "transferlab-stamp.json"), b, 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Printf("gotch %s adapted: %d wrappers stubbed for libtorch %s\n", version, len(stubbed), lt.Version)
	return nil
}

func sourceName(lt libtorch) string {
	if lt.Source == "debian" {
		return "debian"
	}
	return filepath.Dir(lt.LibDir)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// stampKey names the inputs of a build folder: gotch version, the libtorch
// and this tool's own templates.
func stampKey(version string, lt libtorch) string {
	h := sha256.New()
	b, _ := json.Marshal(lt)
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n", version, b, extTemplate, extCPP, lt.libGo(), tsPatchVersion, libtorchErrorGo)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func readStamp(out string) (stamp, error) {
	var st stamp
	b, err := os.ReadFile(filepath.Join(out, "transferlab-stamp.json"))
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// stubCachePath is where the list of failing wrappers is remembered across
// build folders, so a fresh clone on the same machine skips the compile.
func stubCachePath(version string, lt libtorch) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	b, _ := json.Marshal(lt)
	sum := sha256.Sum256(b)
	return filepath.Join(dir, "transferlab", "gotch-stubs", version+"-libtorch-"+lt.Version+"-"+hex.EncodeToString(sum[:6])+".txt")
}

// stubUntilItCompiles compiles the wrappers and stubs the failing ones until
// the file compiles, at most three rounds. A remembered list is applied
// without compiling.
func stubUntilItCompiles(libtch, version string, lt libtorch) ([]string, error) {
	gen := filepath.Join(libtch, "torch_api_generated.cpp.h")
	b, err := os.ReadFile(gen)
	if err != nil {
		return nil, err
	}
	src := string(b)
	reason := fmt.Sprintf("libtorch %s lacks it (gotch %s targets libtorch 2.1)", lt.Version, version)
	cache := stubCachePath(version, lt)
	if c, err := os.ReadFile(cache); err == nil {
		names := strings.Fields(string(c))
		patched, err := stubWrappers(src, names, reason)
		if err == nil {
			fmt.Printf("using the remembered list of %d wrappers to stub (%s)\n", len(names), cache)
			return names, os.WriteFile(gen, []byte(patched), 0o644)
		}
	}
	var all []string
	for round := 1; round <= 3; round++ {
		start := time.Now()
		fmt.Printf("compiling gotch's wrappers against libtorch %s (round %d, about a minute)...\n", lt.Version, round)
		diag, ok, err := compileCheck(libtch, lt)
		if err != nil {
			return nil, err
		}
		if ok {
			fmt.Printf("wrappers compile (%s)\n", time.Since(start).Round(time.Second))
			if err := os.MkdirAll(filepath.Dir(cache), 0o755); err == nil {
				_ = os.WriteFile(cache, []byte(strings.Join(all, "\n")+"\n"), 0o644)
			}
			return all, nil
		}
		ws, err := parseWrappers(src)
		if err != nil {
			return nil, err
		}
		names, unplaced := failingWrappers(diag, "torch_api_generated.cpp.h", ws)
		if len(names) == 0 {
			return nil, fmt.Errorf("gotch does not compile against libtorch %s and the errors are outside the generated wrappers:\n%s", lt.Version, firstLines(diag, 20))
		}
		if len(unplaced) > 0 {
			fmt.Printf("note: %d diagnostics outside any wrapper, for example %s\n", len(unplaced), unplaced[0])
		}
		fmt.Printf("stubbing %d wrappers (%s)\n", len(names), time.Since(start).Round(time.Second))
		if src, err = stubWrappers(src, names, reason); err != nil {
			return nil, err
		}
		if err := os.WriteFile(gen, []byte(src), 0o644); err != nil {
			return nil, err
		}
		all = append(all, names...)
	}
	return nil, errors.New("gotch's wrappers still do not compile after three rounds of stubbing")
}

// compileCheck runs the C++ compiler in syntax-only mode over gotch's C++
// layer; ok is false when it reported errors (in diag).
func compileCheck(libtch string, lt libtorch) (diag string, ok bool, err error) {
	args := append([]string{"-fsyntax-only", "-fmax-errors=0", "-w", "-I."}, lt.cxxFlags()...)
	args = append(args, "torch_api.cpp")
	cmd := exec.Command(cxx(), args...)
	cmd.Dir = libtch
	b, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(b), false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("run %s: %w (install g++)", cxx(), err)
	}
	return string(b), true, nil
}

// cxx is the C++ compiler: $CXX, or g++.
func cxx() string {
	if c := os.Getenv("CXX"); c != "" {
		return c
	}
	return "g++"
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// moduleDir downloads (if needed) and locates gotch in the module cache.
func moduleDir(version string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", gotchModule+"@"+version)
	cmd.Dir = os.TempDir() // outside our module: its replace directive must not apply
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w (is the Go module proxy reachable?)", gotchModule, version, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(b, &m); err != nil {
		return "", err
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", gotchModule, version, m.Error)
	}
	return m.Dir, nil
}

// copyTree copies a module-cache folder (read-only files) into dst with
// writable permissions.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
}
