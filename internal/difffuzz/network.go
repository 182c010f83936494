package difffuzz

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// Case is one differential test: a script, the peers that run it, how their services answer
// and the order in which the network delivers.
type Case struct {
	// Seed fixes the services' answers (see answer).
	Seed uint64
	// Peers are the network's peers by name; Peers[0] starts the particle.
	Peers  []string
	Script *node
	// Choices are the network's choices, one per step: which pending delivery comes next (the
	// low bits, modulo the number pending), whether it is delivered again later (dupFlag: a
	// network that duplicates, a host that answers a call twice), and whether the answers
	// pending for the same peer come along in the same run (batchFlag). Past the end the
	// choice is 0: the oldest delivery, once, alone.
	Choices []int
	// MaxSteps bounds the runs of the case, for scripts that never end.
	MaxSteps int
}

const (
	choiceBits = 12
	dupFlag    = 1 << choiceBits
	batchFlag  = dupFlag << 1
)

// identity is a peer's id and key, derived from its name as the oracle derives them.
type identity struct {
	id  string
	key ed25519.PrivateKey
}

var (
	identitiesOnce sync.Once
	identities     map[string]identity
	nameOfID       map[string]string
)

func peerIdentity(name string) identity {
	identitiesOnce.Do(func() {
		identities, nameOfID = map[string]identity{}, map[string]string{}
		for _, n := range append(append([]string{}, peerNames...), outsider) {
			seed := sha256.Sum256([]byte(n))
			k := ed25519.NewKeyFromSeed(seed[:])
			identities[n] = identity{data.PeerIDOf(k.Public().(ed25519.PublicKey)), k}
			nameOfID[identities[n].id] = n
		}
	})
	return identities[name]
}

// withPeerIDs writes every "{{NAME}}" of the known peers in script as NAME's peer id.
func withPeerIDs(script string) string {
	if !strings.Contains(script, "{{") {
		return script
	}
	for _, n := range append(append([]string{}, peerNames...), outsider) {
		script = strings.ReplaceAll(script, "{{"+n+"}}", peerIdentity(n).id)
	}
	return script
}

// run is a case played on aquanet: the runs as a chain for the reference, and aquanet's
// outcomes of them.
type run struct {
	steps []oracle.Step
	ours  []interpreter.Outcome
}

// delivery is a particle, or the answer to a call, on its way to a peer.
type delivery struct {
	to      string
	data    *int // the step whose outcome data it carries; nil for call results
	results map[uint32]oracle.StepCallResult
}

// play runs the case with aquanet's interpreter as every peer's. Each peer keeps the data of
// its last successful run as its previous data; a run that fails changes nothing and sends
// nothing (js-client's rule, and the scenario host's). A successful run's data goes to each of
// its next peers that is in the network, and each call request it makes is answered, or not, as
// the services decide, by a delivery of its own. The network picks the next delivery among all
// pending ones by the case's choices.
func (c *Case) play() *run { return c.playWith(interpreter.Run) }

// playWith is play with runOne as every peer's interpreter.
func (c *Case) playWith(runOne func(string, []byte, []byte, map[uint32]interpreter.CallResult, interpreter.Params) interpreter.Outcome) *run {
	script := withPeerIDs(c.Script.String())
	init := c.Peers[0]
	params := func(peer string) interpreter.Params {
		return interpreter.Params{
			InitPeerID: peerIdentity(init).id, CurrentPeerID: peerIdentity(peer).id, Key: peerIdentity(peer).key,
			ParticleID: oracle.StepParticleID, Timestamp: oracle.StepTimestamp, TTL: oracle.StepTTL,
		}
	}
	ids := make([]string, len(c.Peers))
	for i, p := range c.Peers {
		ids[i] = peerIdentity(p).id
	}
	r := &run{}
	prev := map[string]*int{}
	queue := []delivery{{to: init}}
	for len(queue) > 0 && len(r.steps) < c.MaxSteps {
		choice := 0
		if k := len(r.steps); k < len(c.Choices) {
			choice = c.Choices[k]
		}
		i := (choice & (dupFlag - 1)) % len(queue)
		d := queue[i]
		if choice&dupFlag == 0 {
			queue = append(queue[:i], queue[i+1:]...)
		}
		if choice&batchFlag != 0 && d.data == nil {
			d = d.withPendingResults(&queue)
		}

		step := oracle.Step{Peer: d.to, Init: init, Script: script, Prev: prev[d.to], Current: d.data, CallResults: d.results}
		var results map[uint32]interpreter.CallResult
		if len(d.results) > 0 {
			results = map[uint32]interpreter.CallResult{}
			for id, res := range d.results {
				results[id] = interpreter.CallResult{RetCode: res.RetCode, Result: res.Result}
			}
		}
		out := runOne(script, r.dataOf(step.Prev), r.dataOf(step.Current), results, params(d.to))
		at := len(r.steps)
		r.steps = append(r.steps, step)
		r.ours = append(r.ours, out)
		if out.RetCode != 0 {
			continue
		}
		prev[d.to] = &at
		for _, id := range out.NextPeers {
			if name, ok := nameOfID[id]; ok && contains(c.Peers, name) {
				queue = append(queue, delivery{to: name, data: &at})
			}
		}
		for _, req := range out.CallRequests {
			if res, ok := answer(c.Seed, d.to, req.Service, req.Function, req.Args, ids); ok {
				queue = append(queue, delivery{to: d.to, results: map[uint32]oracle.StepCallResult{req.ID: res}})
			}
		}
	}
	return r
}

// withPendingResults is d, call results for a peer, with the other call results pending for
// that peer, taken off the queue.
func (d delivery) withPendingResults(queue *[]delivery) delivery {
	results := map[uint32]oracle.StepCallResult{}
	for id, res := range d.results {
		results[id] = res
	}
	kept := (*queue)[:0]
	for _, q := range *queue {
		if q.data == nil && q.to == d.to {
			for id, res := range q.results {
				results[id] = res
			}
			continue
		}
		kept = append(kept, q)
	}
	*queue = kept
	d.results = results
	return d
}

func (r *run) dataOf(step *int) []byte {
	if step == nil {
		return nil
	}
	return r.ours[*step].Data
}
