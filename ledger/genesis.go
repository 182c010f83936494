package ledger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"sort"

	"github.com/aquanet/aquanet/trust"
)

// Genesis is a chain's start: its id, its time, the first balances and the validators.
type Genesis struct {
	ChainID    string
	Time       uint64 // seconds since the Unix epoch; the first block may not be earlier
	Balances   map[trust.PublicKey]uint64
	Validators []Validator
}

// Validator is a peer that takes part in agreeing on blocks, with its voting power.
type Validator struct {
	Key   trust.PublicKey
	Power uint64
}

// Bounds of a genesis.
const (
	MaxChainIDLen = 64
	MaxValidators = 256
)

// genesisJSON is the file's form. Keys are peer ids ("12D3KooW…"), as trust.PublicKey
// prints and trust.ParsePeer parses them.
type genesisJSON struct {
	ChainID    string            `json:"chain_id"`
	Time       uint64            `json:"time"`
	Balances   map[string]uint64 `json:"balances"`
	Validators []struct {
		Key   string `json:"key"`
		Power uint64 `json:"power"`
	} `json:"validators"`
}

// ParseGenesis reads a genesis file:
//
//	{"chain_id": "aquanet-test", "time": 1700000000,
//	 "balances": {"12D3KooW…": 1000},
//	 "validators": [{"key": "12D3KooW…", "power": 1}]}
//
// Unknown fields are refused, and the result is Validated.
func ParseGenesis(data []byte) (Genesis, error) {
	var j genesisJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Genesis{}, fmt.Errorf("genesis: %w", err)
	}
	if dec.More() {
		return Genesis{}, fmt.Errorf("genesis: something follows the object")
	}
	g := Genesis{ChainID: j.ChainID, Time: j.Time, Balances: make(map[trust.PublicKey]uint64, len(j.Balances))}
	ids := make([]string, 0, len(j.Balances))
	for id := range j.Balances {
		ids = append(ids, id)
	}
	sort.Strings(ids) // the first bad key reported is the same on every run
	for _, id := range ids {
		amount := j.Balances[id]
		k, err := trust.ParsePeer(id)
		if err != nil {
			return Genesis{}, fmt.Errorf("genesis: balances: %w", err)
		}
		if _, dup := g.Balances[k]; dup {
			return Genesis{}, fmt.Errorf("genesis: balances: %s twice", k)
		}
		g.Balances[k] = amount
	}
	for i, v := range j.Validators {
		k, err := trust.ParsePeer(v.Key)
		if err != nil {
			return Genesis{}, fmt.Errorf("genesis: validator %d: %w", i, err)
		}
		g.Validators = append(g.Validators, Validator{Key: k, Power: v.Power})
	}
	return g, g.Validate()
}

// Validate checks a genesis: a chain id of 1 to MaxChainIDLen bytes, 1 to MaxValidators
// validators, each once and with some power, and balances whose total fits in a u64 (so that
// no balance can ever overflow: value only moves).
func (g Genesis) Validate() error {
	if len(g.ChainID) == 0 || len(g.ChainID) > MaxChainIDLen {
		return fmt.Errorf("genesis: chain id of %d bytes, want 1 to %d", len(g.ChainID), MaxChainIDLen)
	}
	if len(g.Validators) == 0 || len(g.Validators) > MaxValidators {
		return fmt.Errorf("genesis: %d validators, want 1 to %d", len(g.Validators), MaxValidators)
	}
	seen := map[trust.PublicKey]bool{}
	for i, v := range g.Validators {
		if seen[v.Key] {
			return fmt.Errorf("genesis: validator %d: %s twice", i, v.Key)
		}
		if v.Power == 0 {
			return fmt.Errorf("genesis: validator %d (%s): no power", i, v.Key)
		}
		seen[v.Key] = true
	}
	var total uint64
	for _, amount := range g.Balances { // a sum: the order does not matter
		var carry uint64
		if total, carry = bits.Add64(total, amount, 0); carry != 0 {
			return fmt.Errorf("genesis: the balances total more than 2^64-1")
		}
	}
	return nil
}

// writes are the state a genesis starts: the chain id, the time, the validators (in their
// order) and the balances that are not 0.
func (g Genesis) writes() *overlay {
	o := newOverlay(nil)
	o.set(keyChainID, []byte(g.ChainID))
	o.set(keyTime, u64(g.Time))
	o.set(keyValidators, encodeValidators(g.Validators))
	for k, amount := range g.Balances {
		if amount != 0 {
			o.set(balanceKey(k), u64(amount))
		}
	}
	return o
}

func encodeValidators(vs []Validator) []byte {
	b := make([]byte, 0, len(vs)*40)
	for _, v := range vs {
		b = append(b, v.Key[:]...)
		b = binary.LittleEndian.AppendUint64(b, v.Power)
	}
	return b
}

func decodeValidators(b []byte) ([]Validator, error) {
	if len(b)%40 != 0 {
		return nil, fmt.Errorf("ledger state: validators of %d bytes are corrupt", len(b))
	}
	vs := make([]Validator, 0, len(b)/40)
	for ; len(b) > 0; b = b[40:] {
		vs = append(vs, Validator{Key: trust.PublicKey(b[:32]), Power: binary.LittleEndian.Uint64(b[32:40])})
	}
	return vs, nil
}
