package core

// ParticleKey identifies a particle on a node: the signature is part of it, so that a forged
// particle reusing an id and initiator cannot reach the real one's actor or data.
type ParticleKey struct {
	ID, InitPeerID, Signature string
	Deadline                  uint64 // ms since the Unix epoch
}

// Store keeps each particle's data on a peer between its visits, until the particle's deadline,
// so that a particle whose work is done needs no actor until more of it arrives, and a restarted
// node goes on from the data it had. Methods are safe for concurrent use; an error means the
// store could not be read or written (the data is then neither lost nor half-written).
type Store interface {
	// Save keeps data as the particle's data, replacing what was there; a machine crash may
	// lose it.
	Save(k ParticleKey, data []byte) error
	// SaveDurably is Save that returns only once the data is on disk.
	SaveDurably(k ParticleKey, data []byte) error
	// Load returns the particle's data, or nil with no error if there is none.
	Load(k ParticleKey) ([]byte, error)
	// Delete drops the particle's data, if any.
	Delete(k ParticleKey) error
	// DeleteExpired drops the data of every particle whose deadline is at or before now (ms
	// since the Unix epoch).
	DeleteExpired(now uint64) error
	// LastDeadline returns the latest deadline of the data held; ok is false if none is.
	LastDeadline() (deadline uint64, ok bool, err error)
}
