package ledger

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/aquanet/aquanet/trust"
)

// story is the state of one testdata file: named keys and a ledger on a pebble disk.
type story struct {
	names  []string
	keys   map[string]trust.Signer
	disk   *disk
	s      *State
	hashes map[[32]byte]int // app hashes seen, numbered in the order they appeared

	// What was committed, for replay.
	genesis Genesis
	blocks  []Block
}

// named replaces the peer ids of the story's keys in text by their names.
func (st *story) named(text string) string {
	for _, n := range st.names {
		text = strings.ReplaceAll(text, st.keys[n].Public().String(), n)
	}
	return text
}

// ids replaces {name} in text by the peer id of name's key.
func (st *story) ids(text string) string {
	for _, n := range st.names {
		text = strings.ReplaceAll(text, "{"+n+"}", st.keys[n].Public().String())
	}
	return text
}

func (st *story) key(t testing.TB, pos, name string) trust.Signer {
	k, ok := st.keys[name]
	if !ok {
		t.Fatalf("%s: no key %q (declare it with key)", pos, name)
	}
	return k
}

// hash names an app hash: #n, the same n for the same hash.
func (st *story) hash(h [32]byte) string {
	n, ok := st.hashes[h]
	if !ok {
		n = len(st.hashes) + 1
		st.hashes[h] = n
		return fmt.Sprintf("#%d (new)", n)
	}
	return fmt.Sprintf("#%d (seen)", n)
}

func (st *story) result(err error) string {
	if err != nil {
		return "error: " + st.named(err.Error()) + "\n"
	}
	return "ok\n"
}

func u64Arg(t testing.TB, pos string, args map[string]string, name string) uint64 {
	v, ok := args[name]
	if !ok {
		t.Fatalf("%s: no %s=", pos, name)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: %s=%s is not a number", pos, name, v)
	}
	return n
}

// TestStories runs testdata/*.txt (datadriven). Commands:
//
//	key NAME...                 declare keys (derived from their names)
//	genesis                     InitChain from the JSON input, where {name} is name's peer id
//	block time=T [height=H]     apply a block of the input's transactions and commit it
//	check                       CheckTx each transaction of the input (nothing is applied)
//	accounts                    every declared key's balance and nonce
//	name N / perimeter APP / price PEER SERVICE / revocation of=A by=B    reads
//	reopen                      close the pebble database, open it and the state again
//	replay [drop=N]             a fresh replica: the genesis and the blocks committed (all but
//	                            the last N), its height and app hash
//
// A transaction is a line "SENDER KIND args…", nonce= defaulting to the sender's next (counting
// the block's transactions before it), sign=NAME to sign with another key:
//
//	transfer to=B amount=N
//	perimeter app=ID dev=NAME [services=PEER/SVC/POLICY,…] [peers=P,…]
//	register name=N (key=STRING, its SHA-256 | peer=NAME)
//	revoke of=A by=B at=T [signed-by=C]
//	price peer=P service=S price=N
//	pay peer=P service=S calls=N
func TestStories(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			st := &story{keys: map[string]trust.Signer{}, hashes: map[[32]byte]int{}, disk: newDisk(t)}
			st.s = st.disk.state(t)
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				return st.run(t, d)
			})
		})
	}
}

func (st *story) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "key":
		for _, a := range d.CmdArgs {
			st.names = append(st.names, a.Key)
			st.keys[a.Key] = testKey(a.Key)
		}
		return ""
	case "genesis":
		g, err := ParseGenesis([]byte(st.ids(d.Input)))
		if err != nil {
			return st.result(err)
		}
		h, err := st.s.InitChain(g)
		if err != nil {
			return st.result(err)
		}
		st.genesis = g
		return "app hash " + st.hash(h) + "\n"
	case "block":
		var tm uint64
		d.ScanArgs(t, "time", &tm)
		height := st.s.Height() + 1
		d.MaybeScanArgs(t, "height", &height)
		txs := st.txs(t, d, true)
		blk := Block{Height: height, Time: tm, Txs: txs}
		res, err := st.s.ApplyBlock(blk)
		if err != nil {
			return st.result(err)
		}
		var b strings.Builder
		for i, r := range res {
			verdict := "ok"
			if r.Reason != "" {
				verdict = st.named(r.Message)
			}
			fmt.Fprintf(&b, "%d %s: %s\n", i, txs[i].Body.Kind(), verdict)
		}
		h, err := st.s.Commit()
		if err != nil {
			return st.result(err)
		}
		st.blocks = append(st.blocks, blk)
		fmt.Fprintf(&b, "height %d app hash %s\n", st.s.Height(), st.hash(h))
		return b.String()
	case "check":
		var b strings.Builder
		for i, tx := range st.txs(t, d, false) {
			fmt.Fprintf(&b, "%d %s: %s", i, tx.Body.Kind(), st.result(st.s.CheckTx(tx)))
		}
		return b.String()
	case "accounts":
		var b strings.Builder
		for _, n := range st.names {
			bal, err := st.s.Balance(st.keys[n].Public())
			if err != nil {
				t.Fatal(err)
			}
			nonce, err := st.s.Nonce(st.keys[n].Public())
			if err != nil {
				t.Fatal(err)
			}
			if bal != 0 || nonce != 0 {
				fmt.Fprintf(&b, "%s balance %d nonce %d\n", n, bal, nonce)
			}
		}
		return b.String()
	case "replay":
		drop := 0
		d.MaybeScanArgs(t, "drop", &drop)
		s := newDisk(t).state(t)
		if _, err := s.InitChain(st.genesis); err != nil {
			t.Fatal(err)
		}
		for _, b := range st.blocks[:len(st.blocks)-drop] {
			if _, err := s.ApplyBlock(b); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		return fmt.Sprintf("height %d app hash %s\n", s.Height(), st.hash(s.AppHash()))
	case "reopen":
		before := st.s.AppHash()
		st.disk.reopen(t)
		st.s = st.disk.state(t)
		if st.s.AppHash() != before {
			t.Fatalf("%s: app hash changed across reopen", d.Pos)
		}
		return fmt.Sprintf("height %d app hash %s\n", st.s.Height(), st.hash(st.s.AppHash()))
	}
	return st.read(t, d)
}

// read runs the read commands.
func (st *story) read(t *testing.T, d *datadriven.TestData) string {
	arg := func(i int) string {
		if len(d.CmdArgs) <= i {
			t.Fatalf("%s: %s needs %d arguments", d.Pos, d.Cmd, i+1)
		}
		return d.CmdArgs[i].Key
	}
	var out string
	var ok bool
	var err error
	switch d.Cmd {
	case "name":
		var r NameRecord
		r, ok, err = st.s.Name(arg(0))
		out = fmt.Sprintf("owner %s target %s", r.Owner, r.Target)
	case "perimeter":
		var p SetPerimeter
		p, ok, err = st.s.Perimeter(arg(0))
		var parts []string
		for _, s := range p.Services {
			parts = append(parts, fmt.Sprintf("%s/%s/%s", s.Peer, s.Service, s.Policy))
		}
		out = fmt.Sprintf("developer %s services [%s] peers [%s]", p.Developer, strings.Join(parts, " "), strings.Join(p.Peers, " "))
	case "price":
		var p Price
		p, ok, err = st.s.Price(arg(0), arg(1))
		out = fmt.Sprintf("owner %s per call %d", p.Owner, p.PerCall)
	case "revocation":
		var of, by string
		d.ScanArgs(t, "of", &of)
		d.ScanArgs(t, "by", &by)
		var r trust.Revocation
		r, ok, err = st.s.Revocation(st.key(t, d.Pos, of).Public(), st.key(t, d.Pos, by).Public())
		out = fmt.Sprintf("%s revoked %s at %d", r.RevokedBy, r.Revoked, r.RevokedAt)
	default:
		t.Fatalf("%s: unknown command %s", d.Pos, d.Cmd)
	}
	switch {
	case err != nil:
		return st.result(err)
	case !ok:
		return "none\n"
	}
	return st.named(out) + "\n"
}

// txs reads the transactions of d's input, signed. In a block (inBlock), a sender's default
// nonce counts its transactions before it in the input, as if they all applied (give nonce=
// after one that will not); for CheckTx, each is screened alone.
func (st *story) txs(t *testing.T, d *datadriven.TestData, inBlock bool) []Tx {
	var txs []Tx
	sent := map[string]uint64{} // transactions per sender so far in this input
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		if line == "" {
			continue
		}
		sender, cargs, err := datadriven.ParseLine(line)
		if err != nil || len(cargs) == 0 {
			t.Fatalf("%s: %q: %v", d.Pos, line, err)
		}
		args := map[string]string{}
		for _, a := range cargs[1:] {
			args[a.Key] = strings.Join(a.Vals, ",")
		}
		signer := st.key(t, d.Pos, sender)
		nonce, err := st.s.Nonce(signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		if inBlock {
			nonce += sent[sender]
			sent[sender]++
		}
		if _, ok := args["nonce"]; ok {
			nonce = u64Arg(t, d.Pos, args, "nonce")
		}
		tx := Tx{Nonce: nonce, Body: st.body(t, d.Pos, cargs[0].Key, args)}
		if s, ok := args["sign"]; ok {
			signed := SignTx(st.key(t, d.Pos, s), st.genesis.ChainID, tx)
			tx.Sender, tx.Signature = signer.Public(), signed.Signature
		} else {
			tx = SignTx(signer, st.genesis.ChainID, tx)
		}
		txs = append(txs, tx)
	}
	return txs
}

func (st *story) body(t *testing.T, pos, kind string, args map[string]string) Body {
	switch kind {
	case "transfer":
		return &Transfer{To: st.key(t, pos, args["to"]).Public(), Amount: u64Arg(t, pos, args, "amount")}
	case "perimeter":
		p := &SetPerimeter{AppID: args["app"], Developer: st.key(t, pos, args["dev"]).Public()}
		if v := args["services"]; v != "" {
			for _, s := range strings.Split(v, ",") {
				f := strings.Split(s, "/")
				pol := map[string]Policy{"public": PolicyPublic, "owner": PolicyOwner, "perimeter": PolicyPerimeter}[f[2]]
				p.Services = append(p.Services, PerimeterService{ServiceRef{f[0], f[1]}, pol})
			}
		}
		if v := args["peers"]; v != "" {
			p.Peers = strings.Split(v, ",")
		}
		return p
	case "register":
		r := &RegisterName{Name: args["name"]}
		if k, ok := args["key"]; ok {
			r.Target = Target{IsKey: true, Key: sha256.Sum256([]byte(k))}
		} else {
			r.Target.Peer = st.key(t, pos, args["peer"]).Public().String()
		}
		return r
	case "revoke":
		by := args["by"]
		signer := by
		if s, ok := args["signed-by"]; ok {
			signer = s
		}
		r := trust.IssueRevocation(st.key(t, pos, signer), st.key(t, pos, args["of"]).Public(), u64Arg(t, pos, args, "at"))
		r.RevokedBy = st.key(t, pos, by).Public()
		return &PublishRevocation{Revocation: r}
	case "price":
		return &SetPrice{ServiceRef: ServiceRef{args["peer"], args["service"]}, Price: u64Arg(t, pos, args, "price")}
	case "pay":
		return &Pay{ServiceRef: ServiceRef{args["peer"], args["service"]}, Calls: u64Arg(t, pos, args, "calls")}
	}
	t.Fatalf("%s: unknown transaction kind %s", pos, kind)
	return nil
}
