package scenario

import "encoding/json"

// Defaults for the fields a scenario may leave out.
const (
	DefaultParticleID = "p-1"
	DefaultTimestamp  = 1700000000000
	DefaultTTL        = 600000
	DefaultMaxSteps   = 10000
)

// Limits on a scenario.
const (
	// MaxSize is the largest scenario file accepted, in bytes.
	MaxSize = 1 << 20
	// MaxStepsLimit is the largest max_steps accepted.
	MaxStepsLimit = 1000000
	// MaxPeers is the largest number of peers.
	MaxPeers = 1000
	// MaxTimestamp is the largest particle timestamp: 2^53-1, the largest integer the
	// JavaScript host of the oracle passes on exactly.
	MaxTimestamp = 1<<53 - 1
)

// Scenario is a validated scenario. Templates "{{peer:NAME}}" are already replaced by peer ids
// in Script, Args and Expect, and in the values of Services, where "{{self}}" is left to be
// replaced when a call is answered.
type Scenario struct {
	Name     string
	Peers    []string // in file order, unique
	Init     string   // one of Peers
	Particle Particle
	// Script is the AIR script. A scenario that names an Aqua function instead (Aqua) has none
	// until a resolver (package internal/aquascenario) compiles the function and sets it.
	Script string
	// Aqua, when set, names the Aqua function whose compiled AIR is the script.
	Aqua *AquaFunc
	// Args are the values ("getDataSrv" NAME) returns on the init peer, as compact JSON texts.
	Args     map[string]json.RawMessage
	Services []Service
	MaxSteps int
	// Racy says that what the script calls back depends on the order its particles arrive in
	// (a canon or a fold that takes what is there): the host's one order gives one outcome, a
	// network's delays another. A simulator with faults then checks only how often it calls
	// back, not what.
	Racy bool
	// Wasm are the Wasm services a simulator installs on the peers before the particle starts
	// (see WasmService); the script calls them by their Service alias.
	Wasm []WasmService
	// Expect is nil when the scenario has no expect block.
	Expect *Expect

	ids map[string]Identity // by name
}

// AquaFunc is an exported Aqua function a scenario runs instead of a script: the AIR the compiler
// makes of it, with the scenario's args as its arguments (by parameter name, and "-relay-").
type AquaFunc struct {
	// File is the Aqua file. ParseFile joins a relative path to the scenario file's directory;
	// Parse leaves it as written.
	File string `json:"file"`
	Func string `json:"func"`
}

// Particle holds the particle's fields that reach the interpreter.
type Particle struct {
	ID        string `json:"id"`
	Timestamp uint64 `json:"timestamp"` // ms since the Unix epoch
	TTL       uint32 `json:"ttl"`       // ms; passed on, never enforced
}

// RuleKind says how a service rule answers.
type RuleKind uint8

// The kinds of service rules.
const (
	RuleResult  RuleKind = iota + 1 // `result: V`: ret code 0 and V, every time
	RuleError                       // `error: V`: ret code RetCode (default 1) and V, every time
	RuleResults                     // `results: [V1...]`: ret code 0 and V1, V2, ... on successive calls
)

// Service is one rule of the services block: how a peer (or every peer, "*") answers calls to a
// service's function.
type Service struct {
	Peer     string // a peer name or "*"
	Service  string
	Function string
	Kind     RuleKind
	// Value is V for RuleResult and RuleError, compact JSON; Results the list for RuleResults.
	Value   json.RawMessage
	Results []json.RawMessage
	// RetCode is the ret code of a RuleError, never 0.
	RetCode int32
}

// Expect is what a scenario expects of its result. A nil field is not checked.
type Expect struct {
	Callbacks         *[]Call             `json:"callbacks,omitempty"`
	Errors            *[]Call             `json:"errors,omitempty"`
	InterpreterErrors *[]InterpreterError `json:"interpreter_errors,omitempty"`
	Undelivered       *[]Undelivered      `json:"undelivered,omitempty"`
	Steps             *int                `json:"steps,omitempty"`
	Completed         *bool               `json:"completed,omitempty"`
}

// Call is a call the init peer answered as a callback (callbackSrv.*, return.*) or an error
// report (errorHandlingSrv.*), with its arguments as JSON texts.
type Call struct {
	Service  string            `json:"service"`
	Function string            `json:"function"`
	Args     []json.RawMessage `json:"args"`
}

// InterpreterError is a run that ended with a non-zero ret code. In an expect block an empty
// Message is not checked.
type InterpreterError struct {
	Peer    string `json:"peer"`
	RetCode int64  `json:"ret_code"`
	Message string `json:"message"`
}

// Undelivered is a particle sent to a peer id that is not a peer of the scenario; it is dropped.
type Undelivered struct {
	From string `json:"from"` // the sending peer's name
	To   string `json:"to"`   // the peer id it was sent to
}

// Result is what a scenario run did.
type Result struct {
	Callbacks         []Call             `json:"callbacks"`
	Errors            []Call             `json:"errors"`
	InterpreterErrors []InterpreterError `json:"interpreter_errors"`
	// Steps is the number of interpreter runs.
	Steps int `json:"steps"`
	// Completed reports that nothing was left to deliver (the run was not cut by max_steps).
	Completed   bool          `json:"completed"`
	Undelivered []Undelivered `json:"undelivered,omitempty"`
	// Data holds each peer's final stored data as its JSON view (peer name -> view), for peers
	// that stored data; it is filled only when the run was given a [Options.DataView].
	Data map[string]json.RawMessage `json:"data,omitempty"`
}
