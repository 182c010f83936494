package marine

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	wapi "github.com/tetratelabs/wazero/api"

	"github.com/aquanet/aquanet/wasmhost/api"
	"github.com/aquanet/aquanet/wasmhost/internal/it"
)

// Mounted binaries (marine.md §2.5). A Marine module imports a host program as
// `<name>(cmd: [string]) -> MountedBinaryResult` from a host API namespace, and Marine runs the
// program its config mounts under that name. Host imports have no entry in a module's
// interface-types section (marine build skips the host namespaces), so their IT signature is
// the one Marine fixes, here as there: the core import is (ptr, count: i32) -> (); the array
// of strings is lifted from the caller's memory; the result record is lowered into it with
// the caller's allocate and handed over by set_result_ptr, where the SDK reads it.
//
// What a run may cost the node is bounded: it ends with the call (the call's context: its
// deadline and the host's time limit), and it may write at most MaxBinaryOutput bytes to each
// of stdout and stderr before it is stopped.

// MaxBinaryOutput bounds what a mounted binary may write to stdout, and again to stderr: the
// result is lowered into the module's memory whole. A binary that writes more is stopped, and
// its result says so.
const MaxBinaryOutput = 4 << 20

// Marine's ret_codes for a program that did not exit by itself (marine's mounted_binaries.rs):
// killed by a signal, or not started at all.
const (
	retSignal    = 100000
	retCannotRun = 100001
)

// binaryWaitDelay bounds how long a run waits, once the program is stopped or has exited, for
// its stdout and stderr to close (a child it left behind may hold them open).
const binaryWaitDelay = 2 * time.Second

// mountedResultTypes is MountedBinaryResult as marine-rs-sdk declares it, as a section of its
// own so that the generic lowerer writes it: 28 packed bytes.
var mountedResultTypes = []it.Type{{Kind: it.RecordType, Name: "MountedBinaryResult", Args: []it.Field{
	{Name: "ret_code", Type: it.IType{Kind: api.S32}},
	{Name: "error", Type: it.IType{Kind: api.String}},
	{Name: "stdout", Type: it.IType{Kind: api.Array, Elem: &it.IType{Kind: api.U8}}},
	{Name: "stderr", Type: it.IType{Kind: api.Array, Elem: &it.IType{Kind: api.U8}}},
}}}

var sigMounted = []wapi.ValueType{wapi.ValueTypeI32, wapi.ValueTypeI32}

// mountedFunc is the host function of module in's import ns.name, granted as the program at
// path.
func mountedFunc(in *instance, ns, name, path string, params, results []wapi.ValueType) (hostFunc, error) {
	if !sameTypes(params, sigMounted) || len(results) != 0 {
		return hostFunc{}, fmt.Errorf("imports the mounted binary %s.%s with signature %v -> %v; a mounted binary is "+
			"(cmd: [string]) -> MountedBinaryResult, in the core (i32, i32) -> ()", ns, name, params, results)
	}
	return hostFunc{params, results, func(ctx context.Context, m wapi.Module, st []uint64) {
		args, err := in.lifter().liftArray(it.IType{Kind: api.String}, uint32(st[0]), uint32(st[1]), 0)
		if err != nil {
			panic(&hostError{name, fmt.Errorf("the arguments of mounted binary %q: %w", name, err)})
		}
		argv := make([]string, len(args.elems))
		for i, a := range args.elems {
			argv[i] = a.s
		}
		res := runBinary(ctx, path, argv)
		if cause := context.Cause(ctx); cause != nil {
			// The call is over (its deadline, the time limit): the guest stops here, as it
			// would have in its own code.
			panic(&hostError{name, cause})
		}
		if err := lowerRecordResult(ctx, in, mountedResultTypes, 0, res.value()); err != nil {
			if f, ok := failure(err); ok {
				panic(f)
			}
			panic(&hostError{name, err})
		}
	}}, nil
}

// binaryResult is a MountedBinaryResult.
type binaryResult struct {
	retCode        int32
	err            string
	stdout, stderr []byte
}

func (r binaryResult) value() ival {
	return ival{kind: api.Record, elems: []ival{
		{kind: api.S32, n: uint64(int64(r.retCode))},
		{kind: api.String, s: r.err},
		{kind: api.ByteArray, b: r.stdout},
		{kind: api.ByteArray, b: r.stderr},
	}}
}

// runBinary runs the program at path with args, as Marine does: no shell, the exit code as
// ret_code, a program that cannot start as retCannotRun with the reason in err. Unlike Marine
// it gives the program an empty environment (nothing of the node's, whose variables may hold
// secrets, reaches a program whose output goes to a guest), stdin from /dev/null, and the
// bounds above; a program stopped at one of them is retSignal with err saying which.
func runBinary(ctx context.Context, path string, args []string) binaryResult {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	stdout := &cappedOutput{name: "stdout", stop: stop}
	stderr := &cappedOutput{name: "stderr", stop: stop}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = []string{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = binaryWaitDelay
	err := cmd.Run()
	res := binaryResult{stdout: stdout.buf, stderr: stderr.buf}
	switch {
	case cmd.ProcessState == nil:
		res.retCode, res.err = retCannotRun, err.Error()
		return res
	case cmd.ProcessState.ExitCode() < 0:
		res.retCode = retSignal
	default:
		res.retCode = int32(cmd.ProcessState.ExitCode())
	}
	var exit *exec.ExitError
	if cause := context.Cause(ctx); cause != nil {
		res.err = cause.Error()
	} else if err != nil && !errors.As(err, &exit) {
		res.err = err.Error() // it exited, but its output could not be read to the end
	}
	return res
}

// cappedOutput keeps what a program writes to one of its outputs, up to MaxBinaryOutput bytes;
// past them it stops the program. exec copies each output in a goroutine of its own; the
// buffer is read once the run is over.
type cappedOutput struct {
	name string
	buf  []byte
	stop context.CancelCauseFunc
	over bool
}

func (c *cappedOutput) Write(p []byte) (int, error) {
	room := MaxBinaryOutput - len(c.buf)
	if len(p) <= room {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	c.buf = append(c.buf, p[:room]...)
	if !c.over {
		c.over = true
		c.stop(fmt.Errorf("the binary wrote more than %d bytes to %s and was stopped; %s holds the first %d", MaxBinaryOutput, c.name, c.name, MaxBinaryOutput))
	}
	return len(p), nil // drained until the program is gone, so that it never blocks on a full pipe
}
