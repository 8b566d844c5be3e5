package torchenv

import (
	"strings"
	"testing"

	"github.com/sugarme/gotch"
)

// cpu is always there; cuda is the first CUDA device, or an error saying
// there is none; any other name fails naming the choices.
func TestParseDevice(t *testing.T) {
	if d, err := ParseDevice("cpu"); err != nil || d != gotch.CPU {
		t.Errorf("ParseDevice(cpu) = %v, %v; want the CPU", d, err)
	}
	d, err := ParseDevice("cuda")
	if len(Devices()) > 1 {
		if err != nil || d != gotch.CudaBuilder(0) {
			t.Errorf("ParseDevice(cuda) with %v = %v, %v; want cuda:0", Devices(), d, err)
		}
	} else if err == nil || !strings.Contains(err.Error(), "no CUDA device") {
		t.Errorf("ParseDevice(cuda) without a CUDA device = %v, %v; want an error saying there is none", d, err)
	}
	for _, name := range []string{"tpu", "", "CUDA"} {
		if _, err := ParseDevice(name); err == nil || !strings.Contains(err.Error(), "choose cpu or cuda") {
			t.Errorf("ParseDevice(%q) = %v; want an error naming cpu and cuda", name, err)
		}
	}
}
