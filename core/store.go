package core

// ParticleKey identifies a particle on a node: the signature is part of it, so that a forged
// particle reusing an id and initiator cannot reach the real one's actor or data.
type ParticleKey struct {
	ID, InitPeerID, Signature string
	Deadline                  uint64 // ms since the Unix epoch
}

// DataHash identifies one arrival of a particle: the SHA-256 of the data it carried. A node
// that saw an arrival already drops a copy of it as a replay.
type DataHash = [32]byte

// Write is one save of a particle's data (Store.Write): the data whole, or a journal entry of
// what runs added to it since its last save (interpreter/data.AppendJournal), which costs what
// they added rather than the whole data.
type Write struct {
	Data    []byte // the data whole, or nil for Entry
	Entry   []byte // a journal entry
	Seq     uint32 // Entry's number since Data was last written, from 1; with Data, the entries it replaces
	Merged  []DataHash
	Durably bool // return only once the write is on disk
}

// Store keeps each particle's data on a peer between its visits, until the particle's deadline,
// so that a particle whose work is done needs no actor until more of it arrives, and a restarted
// node goes on from the data it had. With the data it keeps which arrivals the data has merged,
// so that a restarted node still knows a replay. Methods are safe for concurrent use; an error
// means the store could not be read or written (the data is then neither lost nor
// half-written).
type Store interface {
	// Write keeps w.Data as the particle's data, replacing what was there and the first w.Seq
	// journal entries, or keeps the journal entry w.Entry as the w.Seq-th since the data was
	// last written whole (Load applies the entries to the data, in order); and adds w.Merged
	// (the arrivals merged into the data since the last write) to the arrivals saved, in one
	// write. A machine crash may lose it unless w.Durably, when it returns only once the write
	// is on disk.
	Write(k ParticleKey, w Write) error
	// Load returns the particle's data, or nil with no error if there is none.
	Load(k ParticleKey) ([]byte, error)
	// Merged returns the arrivals saved as merged into the particle's data, in no order.
	Merged(k ParticleKey) ([]DataHash, error)
	// Delete drops the particle's data, if any, and the records of the arrivals given (every
	// arrival of the particle the caller has seen; a record it has not seen stays until
	// DeleteExpired).
	Delete(k ParticleKey, arrivals []DataHash) error
	// DeleteExpired drops the data and arrivals of every particle whose deadline is at or
	// before now (ms since the Unix epoch).
	DeleteExpired(now uint64) error
	// LastDeadline returns the latest deadline of the data held; ok is false if none is.
	LastDeadline() (deadline uint64, ok bool, err error)
}
