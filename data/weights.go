package data

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Pretrained weights: torchvision's ImageNet state_dicts as published,
// which a backbone transfer starts from (--from resnet18). Their file names
// end in the first hex digits of their SHA-256, which torch.hub checks
// after a download; transferlab checks the same. Names and URLs are
// torchvision 0.14's (ResNet18_Weights.IMAGENET1K_V1 and
// ResNet50_Weights.IMAGENET1K_V1 in torchvision/models/resnet.py,
// MobileNet_V2_Weights.IMAGENET1K_V1 in torchvision/models/mobilenetv2.py).

// TorchvisionModelsURL is where torchvision publishes its weights.
const TorchvisionModelsURL = "https://download.pytorch.org/models/"

// weightsFiles are the published files, by backbone.
var weightsFiles = map[string]File{
	"resnet18":     {Name: "resnet18-f37072fd.pth", SHA256: "f37072fd"},
	"resnet50":     {Name: "resnet50-0676ba61.pth", SHA256: "0676ba61"},
	"mobilenet_v2": {Name: "mobilenet_v2-b0353104.pth", SHA256: "b0353104"},
}

// WeightsNames lists the backbones with published weights.
func WeightsNames() []string {
	var names []string
	for n := range weightsFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsWeightsName says whether name is one of WeightsNames.
func IsWeightsName(name string) bool { _, ok := weightsFiles[name]; return ok }

// WeightsDir is where fetched weights live: "weights" in the data dir.
func (o Options) WeightsDir() string {
	return filepath.Join(o.dataDir(), "weights")
}

// weightsFile is name's published file, or an error listing the choices.
func weightsFile(name string) (File, error) {
	f, ok := weightsFiles[name]
	if !ok {
		return File{}, fmt.Errorf("unknown weights %q: choose %s", name, strings.Join(WeightsNames(), ", "))
	}
	return f, nil
}

// weightsURLs are the base URLs name's file is fetched from: o.URLs[name]
// when set (tests, mirrors), else torchvision's.
func (o Options) weightsURLs(name string) []string {
	if u := o.URLs[name]; len(u) > 0 {
		return u
	}
	return []string{TorchvisionModelsURL}
}

// FetchWeights downloads name's published weights into WeightsDir
// (resuming a broken earlier download), checks the SHA-256 prefix (a file
// that fails is removed) and returns the file's path. A file already there
// is checked, not downloaded again.
func FetchWeights(ctx context.Context, w io.Writer, name string, o Options) (string, error) {
	f, err := weightsFile(name)
	if err != nil {
		return "", err
	}
	dir := o.WeightsDir()
	path := filepath.Join(dir, f.Name)
	if _, err := os.Stat(path); err == nil {
		if err := checkFile(path, f); err != nil {
			return "", fmt.Errorf("%w: remove it and fetch again", err)
		}
		fmt.Fprintf(w, "%s: %s is present and checks out\n", name, path)
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fetch %s: %w", name, err)
	}
	url, err := downloadFile(ctx, o, f.Name, o.weightsURLs(name), dir, f)
	if err != nil && ctx.Err() == nil {
		return "", fmt.Errorf("%w; without internet here, download %s%s elsewhere and put it in %s", err, o.weightsURLs(name)[0], f.Name, dir)
	}
	if err != nil {
		return "", err
	}
	fmt.Fprintf(w, "%s: downloaded %s to %s (SHA-256 starts %s, as its name says)\n", name, url, path, f.SHA256)
	return path, nil
}

// WeightsPath finds name's fetched weights (WeightsDir, then torch.hub's
// cache, where PyTorch keeps the same file) without any network. Missing,
// the error names the file, its URL and where to put it.
func WeightsPath(name string, o Options) (string, error) {
	f, err := weightsFile(name)
	if err != nil {
		return "", err
	}
	dirs := []string{o.WeightsDir()}
	if hub := torchHubCheckpoints(); hub != "" {
		dirs = append(dirs, hub)
	}
	for _, d := range dirs {
		p := filepath.Join(d, f.Name)
		if _, err := os.Stat(p); err == nil {
			if err := checkFile(p, f); err != nil {
				return "", fmt.Errorf("%w: remove it and run 'transferlab weights fetch %s'", err, name)
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("%s's ImageNet weights %s are not here: run 'transferlab weights fetch %s' (downloads %s%s), or put that file in %s by hand",
		name, f.Name, name, o.weightsURLs(name)[0], f.Name, o.WeightsDir())
}

// torchHubCheckpoints is torch.hub's download folder ($TORCH_HOME, else
// $XDG_CACHE_HOME/torch, else ~/.cache/torch, then hub/checkpoints).
func torchHubCheckpoints() string {
	home := os.Getenv("TORCH_HOME")
	if home == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		home = filepath.Join(c, "torch")
	}
	return filepath.Join(home, "hub", "checkpoints")
}
