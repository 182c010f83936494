package interpreter

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/data"
	"github.com/cockroachdb/datadriven"
)

// TestData runs the files of testdata/run/ (datadriven; regenerate with -rewrite). Each file is
// a little network of named peers (keys from sha256(name)) running one particle:
//
//	run peer=NAME [init=NAME] [results=ID:JSON,ID:err=MESSAGE...]
//	SCRIPT (optional after the first run of the file: the last script is reused)
//	----
//	the outcome: ret code and message, next peers, call requests, the trace
//
// runs the script on NAME with prev = NAME's stored data and current = what was delivered to
// NAME since its last run; NAME keeps the new data when the run succeeds.
//
//	deliver from=A to=B   hands A's stored data to B (as the current data of B's next run)
//	reset                 forgets every peer's data: a new particle starts
//	stores peer=NAME      prints NAME's stores (values, tetraplets, service results, canons)
//
// In the output, peer ids are replaced by peer names and CIDs by short names (c1, c2, ...
// in order of appearance), so that traces read like the reference's documentation.
func TestData(t *testing.T) {
	files, _ := filepath.Glob("testdata/run/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/run/*.txt files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			n := newNet()
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				return n.handle(t, d)
			})
		})
	}
}

type net struct {
	stored, pending map[string][]byte
	script          string
	names           map[string]string // peer id -> name
	cids            map[data.CID]string
}

func newNet() *net {
	return &net{stored: map[string][]byte{}, pending: map[string][]byte{}, names: map[string]string{}, cids: map[data.CID]string{}}
}

func (n *net) id(name string) string {
	id, _ := testPeer(name)
	n.names[id] = name
	return id
}

func (n *net) handle(t *testing.T, d *datadriven.TestData) string {
	args := func(key string) []string {
		for _, a := range d.CmdArgs {
			if a.Key == key {
				return a.Vals
			}
		}
		return nil
	}
	arg := func(key string) string { return strings.Join(args(key), ",") }
	switch d.Cmd {
	case "run":
		peer := arg("peer")
		init := arg("init")
		if init == "" {
			init = "alice"
		}
		if s := strings.TrimSpace(d.Input); s != "" {
			n.script = s
		}
		id, key := testPeer(peer)
		n.names[id] = peer
		p := Params{InitPeerID: n.id(init), CurrentPeerID: id, Timestamp: 1700000000000, TTL: 600000, ParticleID: "particle-1", Key: key}
		script := n.expand(n.script)
		results, err := parseResults(args("results"))
		if err != nil {
			t.Fatalf("%s: %v", d.Pos, err)
		}
		o := Run(script, n.stored[peer], n.pending[peer], results, p)
		delete(n.pending, peer)
		if o.RetCode == 0 {
			n.stored[peer] = o.Data
		}
		return n.outcome(t, o)
	case "reset":
		*n = *newNet()
		return ""
	case "deliver":
		n.pending[arg("to")] = n.stored[arg("from")]
		return ""
	case "stores":
		dd, err := data.Decode(n.stored[arg("peer")])
		if err != nil {
			t.Fatal(err)
		}
		return n.storesText(dd)
	}
	t.Fatalf("%s: unknown command %s", d.Pos, d.Cmd)
	return ""
}

// expand replaces {{NAME}} with NAME's peer id.
func (n *net) expand(s string) string {
	for {
		i := strings.Index(s, "{{")
		j := strings.Index(s, "}}")
		if i < 0 || j < i {
			return s
		}
		s = s[:i] + n.id(s[i+2:j]) + s[j+2:]
	}
}

// parseResults reads call results written as results=(1:JSON, 2:err=message); a JSON text
// cannot contain a comma there, which keeps the files simple.
func parseResults(parts []string) (map[uint32]CallResult, error) {
	out := map[uint32]CallResult{}
	for _, part := range parts {
		id, res, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("call result %q is not ID:JSON", part)
		}
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return nil, err
		}
		if msg, isErr := strings.CutPrefix(res, "err="); isErr {
			out[uint32(n)] = CallResult{RetCode: 1, Result: strconv.Quote(msg)}
		} else {
			out[uint32(n)] = CallResult{Result: res}
		}
	}
	return out, nil
}

func (n *net) name(peer string) string {
	if name, ok := n.names[peer]; ok {
		return name
	}
	return peer
}

func (n *net) cid(c data.CID) string {
	if s, ok := n.cids[c]; ok {
		return s
	}
	s := "c" + strconv.Itoa(len(n.cids)+1)
	n.cids[c] = s
	return s
}

func (n *net) outcome(t *testing.T, o Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ret %d", o.RetCode)
	if o.ErrorMessage != "" {
		fmt.Fprintf(&b, ": %s", o.ErrorMessage)
	}
	b.WriteString("\n")
	if len(o.NextPeers) > 0 {
		names := make([]string, len(o.NextPeers))
		for i, p := range o.NextPeers {
			names[i] = n.name(p)
		}
		fmt.Fprintf(&b, "next: %s\n", strings.Join(names, " "))
	}
	for _, r := range o.CallRequests {
		args := make([]string, len(r.Args))
		for i, a := range r.Args {
			args[i] = n.peerNames(a.String())
		}
		fmt.Fprintf(&b, "request %d: %s.%s(%s)\n", r.ID, r.Service, r.Function, strings.Join(args, ", "))
	}
	if o.RetCode != 0 && o.RetCode < 10000 || o.RetCode >= 20000 {
		return b.String()
	}
	d, err := data.Decode(o.Data)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range d.Trace {
		fmt.Fprintf(&b, "%d: %s\n", i, n.stateText(s))
	}
	return b.String()
}

func (n *net) peerNames(s string) string {
	for id, name := range n.names {
		s = strings.ReplaceAll(s, id, name)
	}
	return s
}

func (n *net) stateText(s data.State) string {
	switch s := s.(type) {
	case data.ParState:
		return fmt.Sprintf("par %d %d", s.Left, s.Right)
	case data.CallState:
		switch {
		case s.Kind == data.CallSentBy && s.HasCallID:
			return fmt.Sprintf("call requested by %s (call id %d)", n.name(s.Peer), s.CallID)
		case s.Kind == data.CallSentBy:
			return "call sent by " + n.name(s.Peer)
		case s.Kind == data.CallFailed:
			return "call failed " + n.cid(s.CID)
		case s.Value == data.StreamValue:
			return fmt.Sprintf("call executed stream %s generation %d", n.cid(s.CID), s.Generation)
		case s.Value == data.UnusedValue:
			return "call executed unused " + n.cid(s.CID)
		}
		return "call executed scalar " + n.cid(s.CID)
	case data.ApState:
		return fmt.Sprintf("ap generations %v", s.Gens)
	case data.CanonState:
		if s.Executed {
			return "canon executed " + n.cid(s.CID)
		}
		return "canon sent by " + n.name(s.SentBy)
	case data.FoldState:
		parts := make([]string, len(s.Lore))
		for i, l := range s.Lore {
			parts[i] = fmt.Sprintf("[value %d: before %d+%d after %d+%d]", l.ValuePos, l.Before.Pos, l.Before.Len, l.After.Pos, l.After.Len)
		}
		return "fold " + strings.Join(parts, " ")
	}
	return "?"
}

func (n *net) storesText(d *data.Data) string {
	// Name the CIDs not named yet in a fixed order, so the output does not depend on map order.
	var all []data.CID
	for c := range d.Stores.Values {
		all = append(all, c)
	}
	for c := range d.Stores.ServiceResults {
		all = append(all, c)
	}
	for c := range d.Stores.CanonResults {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b data.CID) int { return bytes.Compare(a[:], b[:]) })
	for _, c := range all {
		n.cid(c)
	}
	var lines []string
	for c, text := range d.Stores.Values {
		lines = append(lines, fmt.Sprintf("value %s = %s", n.cid(c), n.peerNames(string(text))))
	}
	for c, r := range d.Stores.ServiceResults {
		tet := d.Stores.Tetraplets[r.Tetraplet]
		lines = append(lines, fmt.Sprintf("service result %s = value %s from %s.%s on %s", n.cid(c), n.cid(r.Value), tet.ServiceID, tet.FunctionName, n.name(tet.PeerPK)))
	}
	for c, r := range d.Stores.CanonResults {
		tet := d.Stores.Tetraplets[r.Tetraplet]
		vals := make([]string, len(r.Values))
		for i, v := range r.Values {
			el := d.Stores.CanonElements[v]
			vals[i] = n.cid(el.Value)
		}
		lines = append(lines, fmt.Sprintf("canon result %s on %s = [%s]", n.cid(c), n.name(tet.PeerPK), strings.Join(vals, " ")))
	}
	for pk := range d.Signatures {
		lines = append(lines, "signed by "+n.name(data.PeerIDOf([]byte(pk))))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}
