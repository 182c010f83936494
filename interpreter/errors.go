package interpreter

import (
	"fmt"

	"github.com/aquanet/aquanet/interpreter/value"
)

// Error codes of the reference (AIR.md §5): a code is the start of its class plus the error's
// position in the reference's enum of that class.
const (
	CodeAIRParse              = 1
	CodeDataDecode            = 2
	CodeEnvelopeDecode        = 3
	CodeCallResultsDecode     = 5
	CodeUnsupportedVersion    = 6
	CodeMalformedKey          = 7
	CodeCIDVerification       = 8
	CodeSignatureVerification = 9
	CodeSizeLimits            = 10

	CodeLocalServiceError              = 10000
	CodeMatchValuesNotEqual            = 10001
	CodeMismatchValuesEqual            = 10002
	CodeVariableNotFound               = 10003
	CodeIncompatibleValueType          = 10004
	CodeFoldIteratesOverNonArray       = 10005
	CodeUserError                      = 10006
	CodeLensError                      = 10007
	CodeInvalidErrorObject             = 10008
	CodeVariableNotInitializedAfterNew = 10009
	CodeLengthFunctorOnNonArray        = 10010
	CodeNonStringTriplet               = 10011
	CodeStreamMapError                 = 10012

	CodeTraceError                    = 20000
	CodeFoldStateNotFound             = 20003
	CodeIterableShadowing             = 20004
	CodeMultipleIterableValues        = 20005
	CodeShadowingNotAllowed           = 20007
	CodeScalarsStateCorrupted         = 20008
	CodeValueForCIDNotFound           = 20010
	CodeStreamSizeLimitExceeded       = 20013
	CodeInstructionParametersMismatch = 20017

	CodeUnprocessedCallResult = 30000
)

// execError is an error met while executing a script. Catchable errors can be handled by xor;
// uncatchable ones end the run with the previous data unchanged.
type execError struct {
	code      int64
	catchable bool
	msg       string

	// joinable: a variable is not known yet; the instruction is skipped, waiting for data.
	joinable bool
	// userError is the error object of a fail instruction.
	userError *value.Value
	// serviceRetCode is the ret code of a failed call (LocalServiceError).
	serviceRetCode int32
}

func (e *execError) Error() string { return e.msg }

// affectsLastError: every catchable error sets %last_error% except the failures of match and
// mismatch, which exist to drive xor and should not hide the error a script is handling.
func (e *execError) affectsLastError() bool {
	return e.code != CodeMatchValuesNotEqual && e.code != CodeMismatchValuesEqual
}

func catchable(code int64, format string, args ...any) *execError {
	return &execError{code: code, catchable: true, msg: fmt.Sprintf(format, args...)}
}

func uncatchable(code int64, format string, args ...any) *execError {
	return &execError{code: code, msg: fmt.Sprintf(format, args...)}
}

func variableNotFound(name string) *execError {
	e := catchable(CodeVariableNotFound, "variable with name '%s' wasn't defined during script execution", name)
	e.joinable = true
	return e
}

func localServiceError(retCode int32, message string) *execError {
	e := catchable(CodeLocalServiceError, "Local service error, ret_code is %d, error message is '%s'", retCode, message)
	e.serviceRetCode = retCode
	return e
}

func traceError(format string, args ...any) *execError {
	return uncatchable(CodeTraceError, format, args...)
}
