//go:build wasip1

package sdk

import (
	"encoding/json"
	"fmt"
)

// Handler is a function of the service. args holds one JSON text per declared argument, each
// already checked by the host against the argument's type; decode them with [Decode]. The
// result is marshalled with encoding/json (nil is null, for a function without output); a
// non-nil error fails the call with its message, which AIR sees as the call's error.
type Handler func(c *Call, args []json.RawMessage) (any, error)

// Arg is a declared argument of a function or field of a record: its name and its type
// name (see the package documentation for the names).
type Arg struct {
	Name string
	Type string
}

// Args returns the arguments declared by name, type pairs: Args("name", "string", "n", "u32").
// It panics on an odd count, a mistake of the service's own code found when it starts.
func Args(nameTypePairs ...string) []Arg {
	if len(nameTypePairs)%2 != 0 {
		panic(fmt.Sprintf("sdk.Args: %d strings are not name, type pairs", len(nameTypePairs)))
	}
	args := make([]Arg, 0, len(nameTypePairs)/2)
	for i := 0; i < len(nameTypePairs); i += 2 {
		args = append(args, Arg{Name: nameTypePairs[i], Type: nameTypePairs[i+1]})
	}
	return args
}

// function is a registered function.
type function struct {
	name    string
	args    []Arg
	output  string
	handler Handler
}

// record is a declared record type.
type record struct {
	name   string
	fields []Arg
}

// The registry, filled by init functions before the host runs any call; never changed later.
var (
	functions = map[string]*function{}
	funcOrder []string
	records   []record
)

// Func registers handler as the service's function name, taking args and returning a value
// of type output ("" for none). Call it from init. It panics if name is empty or already
// registered.
func Func(name string, args []Arg, output string, handler Handler) {
	if name == "" || handler == nil {
		panic("sdk.Func: a function needs a name and a handler")
	}
	if _, dup := functions[name]; dup {
		panic(fmt.Sprintf("sdk.Func: function %q registered twice", name))
	}
	functions[name] = &function{name: name, args: args, output: output, handler: handler}
	funcOrder = append(funcOrder, name)
}

// Record declares a record type the service's functions use, by the name their argument and
// output types give it; its value is a JSON object with these fields. Call it from init.
func Record(name string, fields []Arg) {
	records = append(records, record{name: name, fields: fields})
}

// Stateless declares that the service keeps nothing from one call to the next that a later
// call needs: no state in memory (a global a handler changes), and nothing in /storage that it
// could not find written by another instance of itself. A node may then run the service's
// calls on several instances at once, each with its own memory, all sharing one /storage.
// Call it from init. A service that does not call it gets one instance and one call at a
// time.
func Stateless() { stateless = true }

var stateless bool

// Call is one running call of a handler.
type Call struct {
	function string
	params   CallParams
}

// Function is the name of the function being called.
func (c *Call) Function() string { return c.function }

// Params are the call's parameters: the particle it serves, this service's identity, and
// where each argument came from.
func (c *Call) Params() CallParams { return c.params }

// Decode unmarshals args[i] into dsts[i] with encoding/json, for as many destinations as are
// given. Its error names the argument that did not fit (which the host's checks make rare:
// a number too large for a Go type, say).
func Decode(args []json.RawMessage, dsts ...any) error {
	if len(dsts) > len(args) {
		return fmt.Errorf("want %d arguments, got %d", len(dsts), len(args))
	}
	for i, dst := range dsts {
		if err := json.Unmarshal(args[i], dst); err != nil {
			return fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return nil
}
