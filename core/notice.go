package core

import (
	"errors"

	"github.com/aquanet/aquanet/particle"
)

// Notice is what a node tells the initiator of a particle, over a connection the node already
// has to it (a client and its relay), when it could not send the particle on, or when the
// script failed there: without it a client whose particle died on the way could only wait for
// the TTL and guess why.
type Notice struct {
	ParticleID string `json:"particle_id"`
	// Peer is the peer the particle could not be sent to; with Failed, the node where the
	// script failed.
	Peer string `json:"peer"`
	// By is the peer that could not send the particle to Peer, when that is not the node the
	// notice came from: a peer past the initiator's relay, which tells the relay (the peer it
	// had the particle from), which passes the notice on. Empty: the node that sent the
	// notice could not.
	By string `json:"by,omitempty"`
	// Failed: the script failed on Peer with an error that nothing caught (Reason is the
	// interpreter's error).
	Failed bool `json:"failed,omitempty"`
	// Rejected: Peer refused the particle as it arrived (particle.Validate: expired, TTL too
	// long, bad signature...); it went no further.
	Rejected bool `json:"rejected,omitempty"`
	// TooLarge: the particle could not be sent to Peer because it is over the size limit of
	// a particle (ErrTooLarge). A particle's data only grows, so it never will be.
	TooLarge bool   `json:"too_large,omitempty"`
	Reason   string `json:"reason"` // why, in a line
}

// ErrTooLarge is what a Transport's error for a particle over its size limit matches
// (errors.Is): the particle's data only grows, so it will not fit later either.
var ErrTooLarge = errors.New("particle over the size limit")

// MaxNoticeReason bounds a notice's reason; a longer one is cut.
const MaxNoticeReason = 256

// Notifier is a Transport that can send notices.
type Notifier interface {
	// Notify sends n to the peer to if there is a connection to it, and does nothing
	// otherwise (a notice never opens a connection). It sends the reason in one line (libp2p's
	// dial errors put every address on a line of its own), cut to MaxNoticeReason. It must not block: it may send later, or
	// not at all.
	Notify(to string, n Notice)
}

// NoticeTaker is a Transport that takes notices in, handing each to f with the peer it came
// from (from any goroutine; f must not block). A node takes them to pass on to its clients
// what the peers it sent their particles to said (actors/network).
type NoticeTaker interface {
	OnNotice(f func(from string, n Notice))
}

// LateFailures is a Transport that may fail to deliver a particle after Send returned nil (it
// sends on goroutines of its own): it tells f of every particle it gives up, from any
// goroutine; f must not block.
type LateFailures interface {
	OnUndelivered(f func(to string, p particle.Particle, err error))
}
