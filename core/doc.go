// Package core holds the interfaces that the node's parts implement or consume and that several
// packages share: the Clock, the Transport that carries particles between peers (with the
// Inbox it delivers into), the Connectivity a transport may report, and the particle Store.
//
// It is a leaf, as go-libp2p's core and wazero's api are: it imports the standard library and
// the particle package only, never the runtime (actors, the interpreter, pebble, libp2p's
// implementation). So a transport such as actors/p2p, or a test kit such as core/coretest,
// depends on these few names and not on the node. TestDependencies keeps it so.
//
// Implementations: clocks in internal/clock (the wall clock, and a manual one for tests and the
// simulator); transports in actors/network (Hub, in memory), actors/p2p (libp2p) and sim (the
// simulated network), each checked by the suite in core/coretest; the particle store in
// actors/particles (pebble).
package core
