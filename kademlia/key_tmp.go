package kademlia

// Key is a DHT key (temporary: challenge.go defines it).
type Key [32]byte
