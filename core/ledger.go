package core

// LedgerTransport is what a transport that carries the ledger's messages can do: the raft
// messages its validators exchange (/aquanet/ledger/1.0.0 on libp2p). Delivery is best effort
// and one-way, as raft expects of its network: raft resends what is lost. A Transport that also
// implements it lets the node be a validator; without it the node takes no part in the ledger.
type LedgerTransport interface {
	// SendLedger sends msg (at most MaxLedgerMessage bytes) to peer and returns at once,
	// without waiting for it to be delivered; an error says it could not even be sent (no
	// address known, the message too long). Messages may be lost, duplicated or reordered,
	// as raft allows.
	SendLedger(peer string, msg []byte) error
	// ServeLedger makes h receive the ledger messages that arrive (from any peer: the handler
	// decides whom to believe), from any goroutine; h must not block. Until it is called,
	// arriving messages are dropped.
	ServeLedger(h func(from string, msg []byte))
}

// MaxLedgerMessage bounds one ledger message: a transport refuses a longer one before reading
// it whole. Raft's messages are bounded below it (entries by the replica's MaxSizePerMsg, a
// snapshot by the ledger's state, which the node bounds).
const MaxLedgerMessage = 16 << 20
