//go:build race

package sim

// raceEnabled: the race detector makes runs several times slower, so long tests skip under it.
const raceEnabled = true
