package train

import (
	"os"
	"runtime"
	"testing"

	"transferlab/internal/mainthread"
)

// The benchmarks run on the process's first thread, as the commands call
// libtorch (internal/mainthread says why).
func init() { runtime.LockOSThread() }

// The tests train the CNN in its standard layout: the per-machine choice of
// channels_last (layout.go, tested on its own) would measure both layouts
// in the first run of every test binary and write to the user's cache.
func TestMain(m *testing.M) {
	if os.Getenv(ChannelsLastEnv) == "" {
		os.Setenv(ChannelsLastEnv, "off")
	}
	os.Exit(mainthread.Serve(m.Run))
}
