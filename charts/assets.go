package charts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-echarts/go-echarts/v2/opts"

	"transferlab/metrics"
)

// EchartsEnv names the environment variable that points at the echarts
// cache: the folder tools/setup-echarts.sh installs into (holding
// node_modules/echarts/dist/echarts.min.js), or echarts.min.js itself.
const EchartsEnv = "TRANSFERLAB_ECHARTS"

// EchartsVersion is the echarts release go-echarts v2.6.7 is written for,
// the one tools/setup-echarts.sh installs.
const EchartsVersion = "5.4.3"

// AssetsDir is the folder under results/ the pages load echarts from.
const AssetsDir = "assets"

// echartsInPackage is where npm puts the file inside the cache folder.
var echartsInPackage = filepath.Join("node_modules", "echarts", "dist", opts.EchartsJS)

// defaultEchartsCache is $XDG_CACHE_HOME/transferlab/echarts, normally
// ~/.cache/transferlab/echarts (the default of tools/setup-echarts.sh).
func defaultEchartsCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "transferlab", "echarts"), nil
}

// findEcharts returns the path of echarts.min.js: from $TRANSFERLAB_ECHARTS
// if set, else from the default cache. The error says where it looked.
func findEcharts() (string, error) {
	base := os.Getenv(EchartsEnv)
	where := EchartsEnv + "=" + base
	if base == "" {
		dir, err := defaultEchartsCache()
		if err != nil {
			return "", fmt.Errorf("no cache folder (%v) and %s is not set", err, EchartsEnv)
		}
		base, where = dir, dir
	}
	candidates := []string{base}
	if fi, err := os.Stat(base); err == nil && fi.IsDir() {
		candidates = []string{
			filepath.Join(base, echartsInPackage),
			filepath.Join(base, "dist", opts.EchartsJS),
			filepath.Join(base, opts.EchartsJS),
		}
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s not found in %s", opts.EchartsJS, where)
}

// echartsVersionWarning checks the package.json npm installed next to
// dist/echarts.min.js, if any, and warns about another major version.
func echartsVersionWarning(js string) string {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(js)), "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Name, Version string
	}
	if json.Unmarshal(b, &pkg) != nil || pkg.Name != "echarts" {
		return ""
	}
	if strings.SplitN(pkg.Version, ".", 2)[0] != strings.SplitN(EchartsVersion, ".", 2)[0] {
		return fmt.Sprintf("%s is echarts %s, but go-echarts v2.6.7 is written for echarts %s: some charts may not draw; run tools/setup-echarts.sh with %s pointing at a fresh folder",
			js, pkg.Version, EchartsVersion, EchartsEnv)
	}
	return ""
}

// assets says where the pages of one results folder take echarts from.
type assets struct {
	// local is true when results/assets/echarts.min.js is in place.
	local bool
	// warning explains a fallback or a doubtful copy; empty when all is well.
	warning string
}

// src is the script src for a page depth folders below results/.
func (a assets) src(depth int) string {
	if !a.local {
		return remoteEcharts()
	}
	return strings.Repeat("../", depth) + AssetsDir + "/" + opts.EchartsJS
}

// remoteEcharts is go-echarts' default: its assets host on the internet.
func remoteEcharts() string {
	var init opts.Initialization
	init.Validate() // fills in the default AssetsHost
	return init.AssetsHost + opts.EchartsJS
}

// installAssets copies echarts.min.js from the cache into
// results/assets/ (only when that copy is missing or different), so that
// the pages work with no internet. Without a cache it keeps an existing
// copy, or falls back to go-echarts' internet host with a warning that
// says how to fix it. Only a failure to write is an error.
func installAssets(resultsDir string) (assets, error) {
	dst := filepath.Join(resultsDir, AssetsDir, opts.EchartsJS)
	src, findErr := findEcharts()
	if findErr != nil {
		if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			return assets{local: true}, nil
		}
		return assets{warning: fmt.Sprintf(
			"%v, so the pages load echarts from %s and draw no chart without internet. Fix: run tools/setup-echarts.sh (./setup-libtorch.sh runs it) or set %s to a folder holding %s, then run 'transferlab report'.",
			findErr, remoteEcharts(), EchartsEnv, opts.EchartsJS)}, nil
	}
	a := assets{local: true, warning: echartsVersionWarning(src)}
	want, err := os.ReadFile(src)
	if err != nil {
		return assets{}, fmt.Errorf("read %s: %w", src, err)
	}
	have, err := os.ReadFile(dst)
	if err == nil && bytes.Equal(have, want) {
		return a, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return assets{}, fmt.Errorf("read %s: %w", dst, err)
	}
	err = metrics.WriteAtomic(dst, func(w io.Writer) error {
		_, err := w.Write(want)
		return err
	})
	if err != nil {
		return assets{}, err
	}
	return a, nil
}
