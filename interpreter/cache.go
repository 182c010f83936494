package interpreter

import (
	"crypto/sha256"
	"sync"

	"github.com/aquanet/aquanet/interpreter/air"
)

// The parse cache keeps the trees of recently run scripts, keyed by the script's hash: a peer
// runs the same script once per arrival and once per batch of call results, and compiled
// scripts are large. Trees are never modified after parsing, so sharing them is safe.
const parseCacheSize = 256

var parseCache = struct {
	sync.Mutex
	m     map[[32]byte]*air.Script
	order [][32]byte // insertion order, for eviction
}{m: map[[32]byte]*air.Script{}}

func parseCached(script string) (*air.Script, error) {
	key := sha256.Sum256([]byte(script))
	parseCache.Lock()
	s, ok := parseCache.m[key]
	parseCache.Unlock()
	if ok {
		return s, nil
	}
	s, err := air.Parse(script)
	if err != nil {
		return nil, err
	}
	parseCache.Lock()
	defer parseCache.Unlock()
	if _, ok := parseCache.m[key]; !ok {
		if len(parseCache.order) >= parseCacheSize {
			delete(parseCache.m, parseCache.order[0])
			parseCache.order = parseCache.order[1:]
		}
		parseCache.m[key] = s
		parseCache.order = append(parseCache.order, key)
	}
	return s, nil
}
