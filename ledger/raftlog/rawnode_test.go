package raftlog

import (
	"fmt"
	"io"
	"log"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// node is one validator in the three-node test: a RawNode on a Storage on its own crashable
// disk, and the state machine it applies (the list of payloads, in order).
type node struct {
	id      uint64
	fs      *vfs.MemFS
	db      *pebble.DB
	s       *Storage
	rn      *raft.RawNode
	hs      *pb.HardState // the last hard state saved, for raft.MustSync
	cs      *pb.ConfState
	applied uint64
	data    []string // the state machine: every payload applied
	up      bool
}

var quiet = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// start opens the node's disk and its RawNode; the state machine starts from the stored
// snapshot (the application would keep its own; this one lives in the snapshot's data).
func (n *node) start(t *testing.T) {
	t.Helper()
	n.db = openDB(t, n.fs, "db")
	n.s = mustOpen(t, n.db)
	snap, _ := n.s.Snapshot()
	n.applied = snap.GetMetadata().GetIndex()
	n.cs = snap.GetMetadata().GetConfState()
	n.data = nil
	if len(snap.GetData()) > 0 {
		n.data = strings.Split(string(snap.GetData()), "\n")
	}
	n.hs, _, _ = n.s.InitialState()
	rn, err := raft.NewRawNode(&raft.Config{
		ID: n.id, ElectionTick: 10, HeartbeatTick: 1, Storage: n.s, Applied: n.applied,
		MaxSizePerMsg: 4 << 10, MaxInflightMsgs: 64, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	n.rn, n.up = rn, true
}

// crash stops the node as a power cut would: its next start reads a crash clone of the disk
// that keeps only what was synced.
func (n *node) crash(t *testing.T) {
	clone := n.fs.CrashClone(vfs.CrashCloneCfg{})
	closeDB(t, n.db)
	n.fs, n.up = clone, false
}

// handle persists, applies and advances one Ready, and returns its messages to send.
func (n *node) handle(t *testing.T, rd raft.Ready) []*pb.Message {
	t.Helper()
	sync := raft.MustSync(rd.HardState, n.hs, len(rd.Entries))
	if err := n.s.Save(rd.HardState, rd.Entries, rd.Snapshot, sync); err != nil {
		t.Fatalf("node %d: saving a Ready: %v", n.id, err)
	}
	if rd.HardState != nil {
		n.hs = rd.HardState
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		n.data = strings.Split(string(rd.Snapshot.GetData()), "\n")
		n.applied = rd.Snapshot.GetMetadata().GetIndex()
		n.cs = rd.Snapshot.GetMetadata().GetConfState()
	}
	for _, e := range rd.CommittedEntries {
		if e.GetIndex() != n.applied+1 {
			t.Fatalf("node %d: applying entry %d after %d", n.id, e.GetIndex(), n.applied)
		}
		if e.GetType() == pb.EntryNormal && len(e.GetData()) > 0 {
			n.data = append(n.data, string(e.GetData()))
		}
		n.applied = e.GetIndex()
	}
	n.rn.Advance(rd)
	return rd.Messages
}

// compact snapshots the state machine at what the node applied and drops the log before it.
func (n *node) compact(t *testing.T) {
	t.Helper()
	if _, err := n.s.CreateSnapshot(n.applied, n.cs, []byte(strings.Join(n.data, "\n"))); err != nil {
		t.Fatalf("node %d: snapshot at %d: %v", n.id, n.applied, err)
	}
	if err := n.s.Compact(n.applied); err != nil {
		t.Fatalf("node %d: compacting to %d: %v", n.id, n.applied, err)
	}
}

type cluster struct {
	nodes []*node
	queue []*pb.Message
}

// settle handles Readys and delivers messages (to nodes that are up) until nothing moves.
func (c *cluster) settle(t *testing.T) {
	t.Helper()
	for range 10000 {
		moved := false
		for _, n := range c.nodes {
			if n.up && n.rn.HasReady() {
				c.queue = append(c.queue, n.handle(t, n.rn.Ready())...)
				moved = true
			}
		}
		queue := c.queue
		c.queue = nil
		for _, m := range queue {
			to := c.nodes[m.GetTo()-1]
			if !to.up {
				continue
			}
			moved = true
			if err := to.rn.Step(m); err != nil {
				t.Fatalf("node %d: stepping %v: %v", to.id, m.GetType(), err)
			}
			if m.GetType() == pb.MsgSnap {
				c.nodes[m.GetFrom()-1].rn.ReportSnapshot(m.GetTo(), raft.SnapshotFinish)
			}
		}
		if !moved {
			return
		}
	}
	t.Fatal("the cluster did not settle in 10000 rounds")
}

func (c *cluster) tick(t *testing.T, ticks int) {
	for range ticks {
		for _, n := range c.nodes {
			if n.up {
				n.rn.Tick()
			}
		}
		c.settle(t)
	}
}

func (c *cluster) leader() *node {
	for _, n := range c.nodes {
		if n.up && n.rn.BasicStatus().RaftState == raft.StateLeader {
			return n
		}
	}
	return nil
}

// TestThreeRawNodes runs three RawNodes on Storages over pebble: they elect a leader, agree on
// 100 proposals, compact; a node that crashed after the first 20 comes back from its disk and
// catches up by snapshot, and a node restarted from its disk after all of it recovers its log.
func TestThreeRawNodes(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 7) // raft's election jitter reads crypto/rand
	c := &cluster{}
	for id := uint64(1); id <= 3; id++ {
		n := &node{id: id, fs: vfs.NewCrashableMem()}
		// Bootstrap: every node starts from the same conf state, as raft's own tests do.
		db := openDB(t, n.fs, "db")
		s := mustOpen(t, db)
		if err := s.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}}); err != nil {
			t.Fatal(err)
		}
		closeDB(t, db)
		n.start(t)
		c.nodes = append(c.nodes, n)
	}
	c.tick(t, 50)
	lead := c.leader()
	if lead == nil {
		t.Fatal("no leader after 50 ticks")
	}
	propose := func(from, to int) {
		for i := from; i < to; i++ {
			if err := lead.rn.Propose(fmt.Appendf(nil, "payload %d", i)); err != nil {
				t.Fatalf("proposing %d: %v", i, err)
			}
			c.settle(t)
		}
		c.tick(t, 3) // heartbeats carry the last commit index to the followers
	}
	propose(0, 20)
	follower := c.nodes[lead.id%3] // the node after the leader
	follower.crash(t)
	propose(20, 100)
	want := make([]string, 100)
	for i := range want {
		want[i] = fmt.Sprintf("payload %d", i)
	}
	for _, n := range c.nodes {
		if n.up {
			if !slices.Equal(n.data, want) {
				t.Fatalf("node %d applied %d payloads, want the 100 proposed", n.id, len(n.data))
			}
			n.compact(t)
		}
	}
	if first, _ := lead.s.FirstIndex(); first <= 20 {
		t.Fatalf("the leader's log starts at %d after compaction; the crashed node could catch up without a snapshot", first)
	}

	follower.start(t)
	if len(follower.data) != 0 {
		t.Fatalf("the crashed node came back with %d payloads applied; it kept no snapshot", len(follower.data))
	}
	if last, _ := follower.s.LastIndex(); last < 20 {
		t.Fatalf("the crashed node came back with its log ending at %d, before the 20 entries it acknowledged", last)
	}
	c.tick(t, 20)
	if !slices.Equal(follower.data, want) {
		t.Fatalf("the restarted node applied %d payloads, want the 100 proposed", len(follower.data))
	}
	if snap, _ := follower.s.Snapshot(); raft.IsEmptySnap(snap) {
		t.Fatal("the restarted node caught up without a snapshot")
	}

	// One more round after every node restarts from its disk: nothing is lost.
	propose(100, 110)
	for _, n := range c.nodes {
		n.crash(t)
	}
	for _, n := range c.nodes {
		n.start(t)
	}
	c.tick(t, 50)
	lead = c.leader()
	if lead == nil {
		t.Fatal("no leader after every node restarted")
	}
	propose(110, 111)
	want = append(want, "payload 100")
	for i := 101; i <= 110; i++ {
		want = append(want, fmt.Sprintf("payload %d", i))
	}
	for _, n := range c.nodes {
		if !slices.Equal(n.data, want) {
			t.Errorf("node %d after the restart: %d payloads applied, want %d", n.id, len(n.data), len(want))
		}
	}
}
