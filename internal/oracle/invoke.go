package oracle

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
)

// invokeDriver is the node program that runs AquaVM one interpreter run at a time, on request;
// see the comment at its top for the protocol.
//
//go:embed invoke.mjs
var invokeDriver []byte

// Interpreter is AquaVM in a node process, run one step at a time by a host in Go: the host
// decides what each run gets and what becomes of its outcome (internal/scenario's host does, in
// internal/scenario/reference). It serves one goroutine at a time. Close it when done.
type Interpreter struct{ p *process }

// StartInterpreter starts AquaVM in a node process. dir is an installed oracle directory, as
// returned by [Dir].
func StartInterpreter(ctx context.Context, dir string) (*Interpreter, error) {
	p, err := startDriver(ctx, dir, "invoke", invokeDriver)
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	return &Interpreter{p}, nil
}

// Invocation is what one interpreter run gets.
type Invocation struct {
	Script        string
	InitPeerID    string
	CurrentPeerID string
	Seed          []byte // the current peer's ed25519 secret-key seed
	Timestamp     uint64 // at most 2^53-1: node's numbers hold no more
	TTL           uint32
	ParticleID    string
	Prev, Current []byte
	CallResults   map[uint32]StepCallResult
}

// Invoked is the outcome of one interpreter run.
type Invoked struct {
	RetCode      int64
	ErrorMessage string
	Data         []byte
	NextPeers    []string // sorted, without duplicates
	CallRequests []CallRequest
}

// CallRequest is a call AquaVM asks its host to make.
type CallRequest struct {
	ID                uint32
	Service, Function string
	// Args is the JSON array of the arguments as AquaVM has them (decoded from its MessagePack
	// and printed losslessly: floats as serde_json prints them, every digit of big integers).
	Args json.RawMessage
}

// TrapError is AquaVM failing (a wasm trap) instead of giving an outcome; the Interpreter goes
// on with a fresh AquaVM.
type TrapError struct{ Msg string }

func (e *TrapError) Error() string { return "AquaVM failed: " + e.Msg }

// Invoke runs the interpreter once. The error is a *TrapError, or a failure of the node process,
// after which the Interpreter is unusable.
func (in *Interpreter) Invoke(inv Invocation) (Invoked, error) {
	type request struct {
		Script        string                    `json:"script"`
		InitPeerID    string                    `json:"init_peer_id"`
		CurrentPeerID string                    `json:"current_peer_id"`
		Seed          []byte                    `json:"seed"`
		Timestamp     uint64                    `json:"timestamp"`
		TTL           uint32                    `json:"ttl"`
		ParticleID    string                    `json:"particle_id"`
		Prev          []byte                    `json:"prev"`
		Current       []byte                    `json:"current"`
		CallResults   map[string]StepCallResult `json:"call_results"`
	}
	req := request{Script: inv.Script, InitPeerID: inv.InitPeerID, CurrentPeerID: inv.CurrentPeerID, Seed: inv.Seed,
		Timestamp: inv.Timestamp, TTL: inv.TTL, ParticleID: inv.ParticleID, Prev: inv.Prev, Current: inv.Current,
		CallResults: make(map[string]StepCallResult, len(inv.CallResults))}
	for id, r := range inv.CallResults {
		req.CallResults[strconv.FormatUint(uint64(id), 10)] = r
	}
	var a struct {
		OK           bool     `json:"ok"`
		Error        string   `json:"error"`
		RetCode      int64    `json:"ret_code"`
		ErrorMessage string   `json:"error_message"`
		Data         []byte   `json:"data"`
		NextPeers    []string `json:"next_peers"`
		CallRequests []struct {
			ID       uint32          `json:"id"`
			Service  string          `json:"service"`
			Function string          `json:"function"`
			Args     json.RawMessage `json:"args"`
		} `json:"call_requests"`
	}
	if err := in.p.ask(map[string]request{"invoke": req}, &a); err != nil {
		return Invoked{}, fmt.Errorf("oracle: %w", err)
	}
	if !a.OK {
		return Invoked{}, &TrapError{a.Error}
	}
	out := Invoked{RetCode: a.RetCode, ErrorMessage: a.ErrorMessage, Data: a.Data, NextPeers: a.NextPeers}
	for _, c := range a.CallRequests {
		out.CallRequests = append(out.CallRequests, CallRequest{ID: c.ID, Service: c.Service, Function: c.Function, Args: c.Args})
	}
	return out, nil
}

// View returns AquaVM's human-readable JSON view of data it wrote. The error is as Invoke's.
func (in *Interpreter) View(data []byte) (json.RawMessage, error) {
	var a struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		View  string `json:"view"`
	}
	if err := in.p.ask(map[string][]byte{"view": data}, &a); err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	if !a.OK {
		return nil, &TrapError{a.Error}
	}
	if !json.Valid([]byte(a.View)) {
		return nil, fmt.Errorf("oracle: AquaVM's view of data is not JSON: %.200s", a.View)
	}
	return json.RawMessage(a.View), nil
}

// Close ends the node process. The error reports one that did not exit cleanly.
func (in *Interpreter) Close() error { return in.p.close() }
