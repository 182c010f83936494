package core

// Routing is what a transport that takes part in the DHT can do for the node's DHT service
// (package kademlia's records, the kad and dht builtins). A Transport that also implements it
// serves them; without it they fail. The transport routes and carries bytes; what the bytes
// mean, which records are kept and whether they are valid is the DHT service's.
//
// Keys are the pre-images of Kademlia's: a peer's place is SHA-256 of its id's bytes, a key's
// is SHA-256 of key (libp2p's kbucket keys on both sides).
type Routing interface {
	// LocalClosest returns at most count peers of the routing table, closest to key first; the
	// local peer is never among them. It answers from memory, at once.
	LocalClosest(key []byte, count int) []string
	// Lookup asks the network for the count peers closest to key (a Kademlia lookup), and calls
	// done with them, closest first, from any goroutine; it must not block.
	Lookup(key []byte, count int, done func(peers []string, err error))
	// Request sends msg to peer on the DHT's record protocol and calls done with its answer, from
	// any goroutine; it must not block. The answer is at most MaxRoutingMessage bytes.
	Request(peer string, msg []byte, done func(answer []byte, err error))
}

// RoutingHandler answers the DHT record requests other peers send (Routing.Request on their
// side): from is the sender's peer id; answer must be called once, from any goroutine, with at
// most MaxRoutingMessage bytes (nil: no answer, the sender gets an error).
type RoutingHandler func(from string, msg []byte, answer func([]byte))

// MaxRoutingMessage bounds a DHT record request and its answer: a transport refuses longer
// ones before reading them whole.
const MaxRoutingMessage = 256 << 10

// RoutingServer is a transport that hands the DHT record requests it receives to the node: the
// node calls ServeRouting once, when its DHT service is ready; until then requests are refused.
type RoutingServer interface {
	ServeRouting(h RoutingHandler)
}
