//go:build race

package actors

// raceEnabled: the race detector multiplies the cost of each particle and the size of each
// object, so load tests shrink and skip their heap measures under it.
const raceEnabled = true
