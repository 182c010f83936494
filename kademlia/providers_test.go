package kademlia

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/aquanet/aquanet/trust"
)

// providerStory is the state of testdata/providers.txt: a list, the weights the storing peer
// gives, and the providers' names.
type providerStory struct {
	list    *List
	weights map[trust.PublicKey]uint32
	names   map[trust.PublicKey]string
}

func (s *providerStory) key(name string) trust.PublicKey {
	k := trust.PublicKey(sha256.Sum256([]byte("provider " + name)))
	s.names[k] = name
	return k
}

func (s *providerStory) weigh(k trust.PublicKey) uint32 { return s.weights[k] }

func (s *providerStory) entry(e Entry) string {
	open := ""
	if e.Open {
		open = " open"
	}
	return fmt.Sprintf("%s w=%d issued=%d expires=%d%s", s.names[e.Provider], s.weigh(e.Provider), e.IssuedAt, e.ExpiresAt, open)
}

func u64Arg(t *testing.T, d *datadriven.TestData, name string) uint64 {
	var v string
	d.ScanArgs(t, name, &v)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: %s=%s is not a number", d.Pos, name, v)
	}
	return n
}

// TestProviders runs testdata/providers.txt: commands
//
//	list cap=N reserve=N       a new empty list
//	weight NAME=W ...          the storing peer's weights from now on (0 by default)
//	put NAME issued=T expires=T now=T [open]
//	remove NAME at=T until=T now=T   the provider's removal signed at at, its tombstone kept until until
//	removals now=T             the tombstones kept at now
//	entries now=T              the list at now, heaviest first, then "reserve:"
func TestProviders(t *testing.T) {
	s := &providerStory{weights: map[trust.PublicKey]uint32{}, names: map[trust.PublicKey]string{}}
	datadriven.RunTest(t, "testdata/providers.txt", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "list":
			var c, r int
			d.ScanArgs(t, "cap", &c)
			d.ScanArgs(t, "reserve", &r)
			s.list = NewList(ListConfig{Cap: c, Reserve: r})
			return "ok\n"
		case "weight":
			for _, a := range d.CmdArgs {
				w, err := strconv.ParseUint(a.Vals[0], 10, 32)
				if err != nil {
					t.Fatalf("%s: weight %s", d.Pos, a)
				}
				s.weights[s.key(a.Key)] = uint32(w)
			}
			return "ok\n"
		case "put":
			e := Entry{Provider: s.key(d.CmdArgs[0].Key), IssuedAt: u64Arg(t, d, "issued"),
				ExpiresAt: u64Arg(t, d, "expires"), Open: d.HasArg("open")}
			evicted, err := s.list.Put(e, u64Arg(t, d, "now"), s.weigh)
			switch {
			case err != nil:
				return "refused: " + err.Error() + "\n"
			case evicted != nil:
				return "ok, evicted " + s.entry(*evicted) + "\n"
			}
			return "ok\n"
		case "remove":
			changed, dropped := s.list.Remove(Entry{Provider: s.key(d.CmdArgs[0].Key), IssuedAt: u64Arg(t, d, "at"),
				ExpiresAt: u64Arg(t, d, "until")}, u64Arg(t, d, "now"))
			if dropped != nil {
				return fmt.Sprintf("changed: %v, dropped the tombstone of %s\n", changed, s.names[dropped.Provider])
			}
			return fmt.Sprintf("changed: %v\n", changed)
		case "removals":
			var b strings.Builder
			for _, e := range s.list.Removals(u64Arg(t, d, "now")) {
				fmt.Fprintf(&b, "%s removed at %d, until %d\n", s.names[e.Provider], e.IssuedAt, e.ExpiresAt)
			}
			if b.Len() == 0 {
				return "none\n"
			}
			return b.String()
		case "entries":
			var b strings.Builder
			reserve := false
			for _, e := range s.list.Entries(u64Arg(t, d, "now"), s.weigh) {
				inReserve := e.Open || keptInReserve(s.list, e.Provider)
				if inReserve && !reserve {
					b.WriteString("reserve:\n")
					reserve = true
				}
				b.WriteString(s.entry(e) + "\n")
			}
			if b.Len() == 0 {
				return "empty\n"
			}
			return b.String()
		}
		t.Fatalf("%s: unknown command %s", d.Pos, d.Cmd)
		return ""
	})
}

// keptInReserve says whether the provider's record is kept in l's reserve.
func keptInReserve(l *List, p trust.PublicKey) bool {
	_, part, _ := l.find(p)
	return part == &l.reserve
}

// A flood of 1,000 weightless providers churns the reserve and never takes the place of a
// provider of weight.
func TestProvidersFloodStaysInTheReserve(t *testing.T) {
	s := &providerStory{weights: map[trust.PublicKey]uint32{}, names: map[trust.PublicKey]string{}}
	l := NewList(ListConfig{})
	trusted := s.key("trusted")
	s.weights[trusted] = 1
	if _, err := l.Put(Entry{Provider: trusted, IssuedAt: 1, ExpiresAt: 1 << 40}, 1, s.weigh); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		e := Entry{Provider: s.key(fmt.Sprint("flood ", i)), IssuedAt: uint64(2 + i), ExpiresAt: 1 << 40, Open: i%2 == 0}
		if _, err := l.Put(e, uint64(2+i), s.weigh); err != nil {
			t.Fatalf("flood %d: %v", i, err)
		}
	}
	got := l.Entries(2000, s.weigh)
	if len(got) != 1+DefaultReserve || got[0].Provider != trusted {
		t.Fatalf("after the flood the list holds %d records, first %s; want the trusted provider and %d of the flood",
			len(got), s.names[got[0].Provider], DefaultReserve)
	}
	for i, e := range got[1:] {
		if want := s.key(fmt.Sprint("flood ", 999-i)); e.Provider != want {
			t.Fatalf("reserve place %d holds %s, want the newest of the flood, %s", i, s.names[e.Provider], s.names[want])
		}
	}
}

// Whatever order distinct providers come in, the list keeps the heaviest Cap − Reserve of the
// providers of weight (heavier, then newer, then lower key) and the newest Reserve of the rest.
func TestProvidersOrderIndependence(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 17))
		s := &providerStory{weights: map[trust.PublicKey]uint32{}, names: map[trust.PublicKey]string{}}
		cfg := ListConfig{Cap: 2 + rng.IntN(8)}
		cfg.Reserve = 1 + rng.IntN(cfg.Cap)
		var entries []Entry
		for i := range 5 + rng.IntN(30) {
			e := Entry{Provider: s.key(fmt.Sprint(seed, " ", i)), IssuedAt: rng.Uint64N(20), ExpiresAt: 1000, Open: rng.IntN(5) == 0}
			s.weights[e.Provider] = uint32(rng.IntN(4)) * uint32(rng.IntN(3))
			entries = append(entries, e)
		}
		var lists [2][]Entry
		for round := range lists {
			rng.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
			l := NewList(cfg)
			for _, e := range entries {
				_, _ = l.Put(e, 20, s.weigh) // refusals are part of the story
			}
			lists[round] = l.Entries(20, s.weigh)
		}
		want := expectedList(cfg.withDefaults(), entries, s.weigh)
		for round, got := range lists {
			if !slices.EqualFunc(got, want, func(a, b Entry) bool { return a.Provider == b.Provider }) {
				t.Fatalf("seed %d order %d: got %v, want %v", seed, round, s.entries(got), s.entries(want))
			}
		}
	}
}

// expectedList is what a list of cfg keeps of entries, computed by sorting them all.
func expectedList(cfg ListConfig, entries []Entry, weigh Weigher) []Entry {
	var weighted, reserve []Entry
	for _, e := range entries {
		if e.Open || weigh(e.Provider) == 0 {
			reserve = append(reserve, e)
		} else {
			weighted = append(weighted, e)
		}
	}
	l := &List{}
	slices.SortFunc(weighted, l.byWeight(weigh))
	slices.SortFunc(reserve, byAge)
	return append(weighted[:min(len(weighted), cfg.Cap-cfg.Reserve)], reserve[:min(len(reserve), cfg.Reserve)]...)
}

func (s *providerStory) entries(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, s.entry(e))
	}
	return out
}
