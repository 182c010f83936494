package p2p

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/network"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/prometheus/client_golang/prometheus"
)

// The memory of the frames being read is charged twice before it is allocated: to the
// transport's own count of bytes in flight (Config.MaxFrameBytesInFlight), then to the
// stream's libp2p resource scope, which passes it on to the peer's, the protocol's, the
// peer-on-this-protocol's (Config.MaxPeerFrameBytes) and the system's scopes. Either refusal
// resets the stream.

var (
	// errInFlight is a frame that would take the bytes in flight over their cap.
	errInFlight = errors.New("frame bytes in flight over the cap")
	// errMemory is a frame whose memory the resource manager refused.
	errMemory = errors.New("resource manager refused the frame's memory")
)

// scope is the part of a libp2p resource scope a frame is charged to (network.StreamScope).
type scope interface {
	ReserveMemory(size int, prio uint8) error
	ReleaseMemory(size int)
}

// inFlight counts the bytes of the frames being read across all the transport's streams.
type inFlight struct {
	bytes atomic.Int64
	max   int64
	gauge prometheus.Gauge
}

func (f *inFlight) add(n int) {
	f.bytes.Add(int64(n))
	f.gauge.Add(float64(n))
}

// streamMemory is the frameMemory of one stream.
type streamMemory struct {
	scope    scope
	inFlight *inFlight
}

func (m streamMemory) reserve(n int) error {
	if m.inFlight.bytes.Add(int64(n)) > m.inFlight.max {
		m.inFlight.bytes.Add(-int64(n))
		return fmt.Errorf("%w: %d more bytes would make more than %d", errInFlight, n, m.inFlight.max)
	}
	m.inFlight.gauge.Add(float64(n))
	if err := m.scope.ReserveMemory(n, network.ReservationPriorityMedium); err != nil {
		m.inFlight.add(-n)
		return fmt.Errorf("%w: %d bytes: %v", errMemory, n, err)
	}
	return nil
}

func (m streamMemory) release(n int) {
	if n == 0 {
		return
	}
	m.scope.ReleaseMemory(n)
	m.inFlight.add(-n)
}

// mediumLimit is the scope limit under which a reservation at ReservationPriorityMedium can
// take b bytes: such a reservation may only fill 153/256 of its scope.
func mediumLimit(b int) int64 {
	return (int64(b)*256 + 152) / 153
}

// resourceLimits are libp2p's default limits, scaled to the machine, with the particle
// protocol's own: a few streams per peer, and the memory of the frames being read per peer
// (MaxPeerFrameBytes) and in all (MaxFrameBytesInFlight). A stream's own limit is raised, if
// need be, to fit the largest frame as it grows.
func resourceLimits(cfg Config) rcmgr.ConcreteLimitConfig {
	limits := rcmgr.DefaultLimits
	limits.StreamBaseLimit.Memory = max(limits.StreamBaseLimit.Memory, mediumLimit(2*cfg.MaxParticleSize))
	proto, protoInc := limits.ProtocolBaseLimit, limits.ProtocolLimitIncrease
	proto.Memory, protoInc.Memory = mediumLimit(cfg.MaxFrameBytesInFlight), 0
	limits.AddProtocolLimit(Protocol, proto, protoInc)
	limits.AddProtocolPeerLimit(Protocol, rcmgr.BaseLimit{Streams: 8, StreamsInbound: 4, StreamsOutbound: 4, Memory: mediumLimit(cfg.MaxPeerFrameBytes)},
		rcmgr.BaseLimitIncrease{})
	return limits.AutoScale()
}
