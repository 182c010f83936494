package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/actors/builtin"
	"github.com/aquanet/aquanet/actors/p2p"
	"github.com/aquanet/aquanet/actors/particles"
	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/particle"
)

// client is a peer that listens nowhere: connected to one node, its relay, it starts a
// particle, runs the script's client-side parts itself (sending the particle to its relay
// whatever peer is next: the relay forwards it) and serves the client-side services:
// getDataSrv (the arguments, and -relay-: the relay's peer id), callbackSrv and return (each
// call is reported), errorHandlingSrv (reported as an error), and the pure builtins.
type client struct {
	key    ed25519.PrivateKey
	self   string
	relay  string
	tr     *p2p.Transport
	inbox  chan particle.Particle
	logger *slog.Logger
}

// clientEvent is a call to callbackSrv, return or errorHandlingSrv.
type clientEvent struct {
	Service  string        `json:"service"`
	Function string        `json:"function"`
	Args     []value.Value `json:"args"`
	Error    bool          `json:"-"`
}

// dialClient makes an ephemeral key and connects to the relay at relayAddr (a multiaddr ending
// in /p2p/<peer id>).
func dialClient(ctx context.Context, relayAddr string, timeout time.Duration, logger *slog.Logger) (*client, error) {
	info, err := peer.AddrInfoFromString(relayAddr)
	if err != nil {
		return nil, fmt.Errorf("relay %q: %v (want a multiaddr ending in /p2p/<peer id>)", relayAddr, err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	tr, err := p2p.New(p2p.Config{Key: key, Logger: logger, DialTimeout: timeout})
	if err != nil {
		return nil, err
	}
	c := &client{key: key, self: tr.ID().String(), relay: info.ID.String(), tr: tr, inbox: make(chan particle.Particle, 64), logger: logger}
	tr.Join(c.self, core.InboxFunc(func(_ string, p particle.Particle) {
		select {
		case c.inbox <- p:
		default: // a flood: the client keeps what it can take
		}
	}))
	if err := tr.Bootstrap(ctx, []string{relayAddr}); err != nil {
		tr.Close()
		return nil, fmt.Errorf("connecting to the relay: %w", err)
	}
	return c, nil
}

func (c *client) Close() error { return c.tr.Close() }

// errExpired is the end of a particle that did not complete within its TTL.
var errExpired = errors.New("the script did not complete within its TTL")

// run starts script with args for getDataSrv and runs it until it completes on the client,
// fails, or its TTL ends. Each callback and error goes to report as it comes.
func (c *client) run(ctx context.Context, script string, args map[string]value.Value, ttl time.Duration, report func(clientEvent)) error {
	id := newParticleID()
	init, err := peer.Decode(c.self)
	if err != nil {
		return err
	}
	p := particle.Particle{ID: id, InitPeerID: init, Timestamp: uint64(time.Now().UnixMilli()), TTL: uint32(ttl.Milliseconds()),
		MaxHops: particle.DefaultMaxHops, Script: script}
	priv, err := crypto.UnmarshalEd25519PrivateKey(c.key)
	if err != nil {
		return err
	}
	if err := p.Sign(priv); err != nil {
		return err
	}
	m := particles.New(script, interpreter.Params{InitPeerID: c.self, CurrentPeerID: c.self, Timestamp: p.Timestamp, TTL: p.TTL,
		ParticleID: id, Key: c.key, SignOnlyToSend: true})
	deadline, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()
	m.Arrive(nil)
	failed := 0
	for {
		for m.Ready() {
			e := m.Step()
			if e.RetCode != 0 {
				return fmt.Errorf("interpreter error %d on the client: %s", e.RetCode, e.Error)
			}
			for _, to := range e.Forward {
				out := p
				out.Data = e.Data
				if to != c.relay && !c.tr.Connected(to) {
					// A client reaches others through its relay, which runs the script up to
					// the same call and forwards it.
					to = c.relay
				}
				if err := c.tr.Send(to, out); err != nil {
					return fmt.Errorf("sending the particle to %s: %w", to, err)
				}
			}
			for _, call := range e.Calls {
				r, ev := c.serve(call, args)
				if ev != nil {
					if ev.Error {
						failed++
					}
					report(*ev)
				}
				m.Result(call.ID, r)
			}
			if e.Complete && m.Idle() { // idle: nothing queued, no call out
				if failed > 0 {
					return fmt.Errorf("the script reported %d error(s)", failed)
				}
				return nil
			}
		}
		select {
		case in := <-c.inbox:
			if in.ID == id && in.InitPeerID == init {
				m.Arrive(in.Data)
			}
		case <-deadline.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return errExpired
		}
	}
}

// serve answers one client-side call.
func (c *client) serve(call interpreter.CallRequest, args map[string]value.Value) (interpreter.CallResult, *clientEvent) {
	switch call.Service {
	case "getDataSrv":
		if call.Function == "-relay-" {
			return service.Result(value.String(c.relay), nil), nil
		}
		v, ok := args[call.Function]
		if !ok {
			return service.Result(value.Value{}, fmt.Errorf("getDataSrv: no argument %s (give it with --arg %s=JSON)", call.Function, call.Function)), nil
		}
		return service.Result(v, nil), nil
	case "callbackSrv", "return":
		return service.Result(value.Null(), nil), &clientEvent{Service: call.Service, Function: call.Function, Args: call.Args}
	case "errorHandlingSrv":
		return service.Result(value.Null(), nil), &clientEvent{Service: call.Service, Function: call.Function, Args: call.Args, Error: true}
	}
	if f, ok := builtin.Lookup(call.Service, call.Function); ok {
		return service.Result(f(call.Args)), nil
	}
	return service.Result(value.Value{}, service.NotFound(call.Service, call.Function)), nil
}

// newParticleID returns a random UUID (version 4), the form Fluence's clients use.
func newParticleID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
