package jsonabi

import (
	"encoding/json"

	"github.com/aquanet/aquanet/wasmhost/api"
)

// The JSON shape of the call parameters a guest receives (sdk.CallParams reads it).
type (
	paramsJSON struct {
		Particle             particleJSON      `json:"particle"`
		ServiceID            string            `json:"service_id"`
		ServiceCreatorPeerID string            `json:"service_creator_peer_id"`
		HostID               string            `json:"host_id"`
		WorkerID             string            `json:"worker_id"`
		Tetraplets           [][]tetrapletJSON `json:"tetraplets"`
	}
	particleJSON struct {
		ID         string `json:"id"`
		InitPeerID string `json:"init_peer_id"`
		Timestamp  uint64 `json:"timestamp"`
		TTL        uint32 `json:"ttl"`
		Script     string `json:"script"`
		Signature  []int  `json:"signature"` // "[]u8": numbers, not encoding/json's base64
		Token      string `json:"token"`
	}
	tetrapletJSON struct {
		PeerPK       string `json:"peer_pk"`
		ServiceID    string `json:"service_id"`
		FunctionName string `json:"function_name"`
		Lens         string `json:"lens"`
	}
)

// encodeParams is the JSON of p for the guest.
func encodeParams(p api.CallParams) []byte {
	sig := make([]int, len(p.Signature))
	for i, b := range p.Signature {
		sig[i] = int(b)
	}
	tetraplets := make([][]tetrapletJSON, len(p.Tetraplets))
	for i, ts := range p.Tetraplets {
		tetraplets[i] = make([]tetrapletJSON, len(ts))
		for j, t := range ts {
			tetraplets[i][j] = tetrapletJSON(t)
		}
	}
	b, err := json.Marshal(paramsJSON{
		Particle: particleJSON{
			ID: p.ParticleID, InitPeerID: p.InitPeerID, Timestamp: p.Timestamp, TTL: p.TTL,
			Script: p.Script, Signature: sig, Token: p.Token,
		},
		ServiceID: p.ServiceID, ServiceCreatorPeerID: p.ServiceCreatorPeerID,
		HostID: p.HostID, WorkerID: p.WorkerID, Tetraplets: tetraplets,
	})
	if err != nil {
		panic("jsonabi: marshalling call parameters: " + err.Error()) // strings and numbers only
	}
	return b
}
