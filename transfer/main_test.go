package transfer

import (
	"os"
	"runtime"
	"testing"

	"transferlab/data"
	"transferlab/train"
)

// The tests train the CNN in its standard layout: the per-machine choice of
// channels_last (train/layout.go, tested there) would measure both layouts
// in the first run of every test binary and write to the user's cache.
func TestMain(m *testing.M) {
	if os.Getenv(train.ChannelsLastEnv) == "" {
		os.Setenv(train.ChannelsLastEnv, "off")
	}
	os.Exit(m.Run())
}

func pin(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	t.Cleanup(runtime.UnlockOSThread)
}

// quick returns options for a small real-data run in a temp folder.
func quick(t *testing.T) train.Options {
	return train.Options{
		ResultsDir: t.TempDir(), PretrainedDir: t.TempDir(), Seed: 42, Log: train.Discard{},
		Data: data.Options{DataDir: os.Getenv("TRANSFERLAB_DATA")},
	}
}
