// Package pyref finds the reference the tests compare against: Debian's
// /usr/bin/python3 with python3-torch or python3-torchvision, which
// ./setup-libtorch.sh installs. Only tests import it.
package pyref

import (
	"os"
	"os/exec"
	"testing"
)

// Python returns the python3 that imports module ("torch" or
// "torchvision"). Without it the test skips, saying why, except in CI,
// where setup installs it and its absence fails the test.
func Python(t testing.TB, module string) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-%s is missing in CI: %v", module, err)
		}
		t.Skipf("no python3-%s here (%v): ./setup-libtorch.sh installs it", module, err)
	}
	return py
}
