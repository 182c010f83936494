// Package wasmsvc serves Wasm services from a node's service actors: a Handler calls a
// wasmhost instance, and replaces it when a call broke it.
package wasmsvc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aquanet/aquanet/actors/service"
	"github.com/aquanet/aquanet/internal/clock"
	"github.com/aquanet/aquanet/interpreter/value"
	"github.com/aquanet/aquanet/wasmhost"
	"github.com/aquanet/aquanet/wasmhost/api"
)

// Service is a Wasm service of a node: what its handlers share. A stateless service has
// several handlers at once (one per worker of its pool), each with an instance of its own.
type Service struct {
	// Clock, if set, is the node's: a call is stopped when its particle expires on it (or at
	// the host's call time limit, whichever is first).
	Clock clock.Clock

	host    *wasmhost.Host
	spec    wasmhost.ServiceSpec
	hostID  string // this node
	creator string // the peer that created the service
	// incarnations counts the instances made, so that each draws its own random bytes; the
	// handlers of a pool make theirs on several goroutines.
	incarnations atomic.Uint64
}

// NewService returns the service spec describes, created by creator on node hostID.
func NewService(host *wasmhost.Host, spec wasmhost.ServiceSpec, hostID, creator string) *Service {
	return &Service{host: host, spec: spec, hostID: hostID, creator: creator}
}

// NewHandler returns a handler of the service, with no instance yet.
func (s *Service) NewHandler() service.Handler { return &Handler{svc: s} }

// Handler is a service.Handler over one instance of a Wasm service. The instance is made on
// the first call (compiling takes a second or more, which no one should wait for at srv.create)
// and again after a call that broke it. A Handler is used by one service actor, one call at a
// time.
type Handler struct {
	svc  *Service
	inst *wasmhost.Instance
}

// Instance returns the running instance, making it if there is none (or the last one broke).
func (h *Handler) Instance() (*wasmhost.Instance, error) {
	if h.inst != nil && h.inst.Broken() == nil {
		return h.inst, nil
	}
	h.Close()
	spec := h.svc.spec
	spec.Incarnation = h.svc.incarnations.Add(1) - 1
	inst, err := h.svc.host.Instantiate(context.Background(), spec)
	if err != nil {
		return nil, fmt.Errorf("service %s could not be started: %w", spec.ServiceID, err)
	}
	h.inst = inst
	return inst, nil
}

// Call runs function on the instance. A call that traps (a guest fault, out of memory, past
// the time limit) fails with a message saying which, and the next call gets a new instance.
func (h *Handler) Call(cc service.CallContext, function string, args []value.Value) (value.Value, error) {
	inst, err := h.Instance()
	if err != nil {
		return value.Value{}, err
	}
	ctx := context.Background()
	if h.svc.Clock != nil {
		left := time.Duration(int64(cc.Deadline())-int64(clock.UnixMilli(h.svc.Clock))) * time.Millisecond
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, max(left, 0), errParticleExpired)
		defer cancel()
	}
	v, err := inst.Call(ctx, function, args, h.params(cc))
	var trap *wasmhost.Trap
	if errors.As(err, &trap) {
		return value.Value{}, fmt.Errorf("service %s: %v; the service instance is replaced", cc.Service, err)
	}
	var nf *wasmhost.NoFunctionError
	if errors.As(err, &nf) {
		return value.Value{}, service.NotFound(cc.Service, function)
	}
	return v, err
}

var errParticleExpired = errors.New("the particle expired while the call ran, and the call was stopped")

// params are the call parameters a guest reads, from what the service actor knows of the call.
func (h *Handler) params(cc service.CallContext) api.CallParams {
	tets := make([][]api.Tetraplet, len(cc.Tetraplets))
	for i, ts := range cc.Tetraplets {
		tets[i] = make([]api.Tetraplet, len(ts))
		for j, t := range ts {
			tets[i][j] = api.Tetraplet{PeerPK: t.PeerPK, ServiceID: t.ServiceID, FunctionName: t.FunctionName, Lens: t.Lens}
		}
	}
	return api.CallParams{
		ParticleID:           cc.ParticleID,
		InitPeerID:           cc.InitPeerID,
		Timestamp:            cc.Timestamp,
		TTL:                  cc.TTL,
		ServiceID:            h.svc.spec.ServiceID,
		ServiceCreatorPeerID: h.svc.creator,
		HostID:               h.svc.hostID,
		WorkerID:             h.svc.hostID,
		Tetraplets:           tets,
	}
}

// Close stops the instance, if one runs.
func (h *Handler) Close() error {
	if h.inst == nil {
		return nil
	}
	err := h.inst.Close(context.Background())
	h.inst = nil
	return err
}
