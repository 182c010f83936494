//go:build wasip1

package sdk

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// CallParams are the parameters of one call, as the host sends them (JSON with these
// snake_case names). They mirror Marine's CallParameters.
type CallParams struct {
	Particle             Particle      `json:"particle"`
	ServiceID            string        `json:"service_id"`
	ServiceCreatorPeerID string        `json:"service_creator_peer_id"`
	HostID               string        `json:"host_id"`
	WorkerID             string        `json:"worker_id"`
	Tetraplets           [][]Tetraplet `json:"tetraplets"` // one list per argument
}

// Particle is the particle a call serves.
type Particle struct {
	ID         string `json:"id"`
	InitPeerID string `json:"init_peer_id"`
	Timestamp  uint64 `json:"timestamp"` // ms since the Unix epoch
	TTL        uint32 `json:"ttl"`       // ms
	Script     string `json:"script"`
	Signature  Bytes  `json:"signature"`
	Token      string `json:"token"`
}

// Tetraplet says where an argument came from: the peer and service that produced it, and the
// lens AIR applied to it.
type Tetraplet struct {
	PeerPK       string `json:"peer_pk"`
	ServiceID    string `json:"service_id"`
	FunctionName string `json:"function_name"`
	Lens         string `json:"lens"`
}

// Bytes is a byte string in the JSON form of Marine's "[]u8": an array of numbers 0–255
// (encoding/json would write a []byte as base64). Decode a "[]u8" argument into it, and
// return it for a "[]u8" output.
type Bytes []byte

// MarshalJSON writes b as an array of numbers.
func (b Bytes) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 2+4*len(b))
	out = append(out, '[')
	for i, c := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(c), 10)
	}
	return append(out, ']'), nil
}

// UnmarshalJSON reads an array of numbers 0–255 (or null, as empty).
func (b *Bytes) UnmarshalJSON(data []byte) error {
	var nums []int
	if err := json.Unmarshal(data, &nums); err != nil {
		return fmt.Errorf("bytes must be an array of numbers 0-255: %w", err)
	}
	out := make(Bytes, len(nums))
	for i, n := range nums {
		if n < 0 || n > 255 {
			return fmt.Errorf("bytes must be numbers 0-255, element %d is %d", i, n)
		}
		out[i] = byte(n)
	}
	*b = out
	return nil
}
