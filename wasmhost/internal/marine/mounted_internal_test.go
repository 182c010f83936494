package marine

import (
	"context"
	"os"
	"strings"
	"testing"
)

// A binary that writes without end is stopped at MaxBinaryOutput bytes, and its result says
// so: it is never silently cut.
func TestAMountedBinarysOutputIsBounded(t *testing.T) {
	if _, err := os.Stat("/usr/bin/yes"); err != nil {
		t.Skipf("no /usr/bin/yes here: %v", err)
	}
	res := runBinary(context.Background(), "/usr/bin/yes", []string{"aquanet"})
	if len(res.stdout) != MaxBinaryOutput || !strings.HasPrefix(string(res.stdout), "aquanet\naquanet\n") {
		t.Errorf("stdout holds %d bytes (%.20q…), want the first %d", len(res.stdout), res.stdout, MaxBinaryOutput)
	}
	if res.retCode != retSignal || !strings.Contains(res.err, "more than 4194304 bytes to stdout and was stopped") {
		t.Errorf("ret_code %d, error %q; want %d and the limit named", res.retCode, res.err, retSignal)
	}
}
