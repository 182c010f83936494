package trust

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// testKey is the key named name, the same in every run.
func testKey(name string) Signer {
	seed := sha256.Sum256([]byte("trust test key " + name))
	return Signer(ed25519.NewKeyFromSeed(seed[:]))
}

// story is the state of one testdata file: named keys and a graph.
type story struct {
	names []string
	keys  map[string]Signer
	g     *Graph
	certs map[string]Certificate
}

func (s *story) key(t *testing.T, d *datadriven.TestData, arg string) Signer {
	var name string
	d.ScanArgs(t, arg, &name)
	k, ok := s.keys[name]
	if !ok {
		t.Fatalf("%s: no key %q (declare it with key)", d.Pos, name)
	}
	return k
}

func (s *story) u64(t *testing.T, d *datadriven.TestData, arg string) uint64 {
	var v string
	d.ScanArgs(t, arg, &v)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s: %s=%s is not a number", d.Pos, arg, v)
	}
	return n
}

// named replaces peer ids in text by the names of their keys.
func (s *story) named(text string) string {
	for _, n := range s.names {
		text = strings.ReplaceAll(text, s.keys[n].Public().String(), n)
	}
	return text
}

func (s *story) result(err error) string {
	if err != nil {
		return "error: " + s.named(err.Error()) + "\n"
	}
	return "ok\n"
}

func (s *story) chain(c Certificate) string {
	var parts []string
	for _, t := range c.Chain {
		parts = append(parts, s.named(t.IssuedFor.String()))
	}
	return strings.Join(parts, " -> ") + "\n"
}

// TestStories runs testdata/*.txt (datadriven). Commands:
//
//	key NAME...                      declare keys (derived from their names)
//	root name=N max=M                set a root (max=-1 removes it)
//	trust by=A for=B issued=T expires=T [now=T]   A issues and the graph keeps a trust in B
//	revoke by=A of=B at=T [now=T]    A revokes B; the graph keeps it
//	cert name=C root=R for=B issued=T expires=T   a certificate R -> R -> B, kept as C
//	extend name=C from=C0 by=A for=B issued=T expires=T   C0 extended by A's trust in B
//	insert cert=C now=T              the graph keeps the certificate's trusts
//	weight now=T                     every declared key's weight
//	chain for=B now=T [root=R]       B's best certificate (from R with root=, any root else)
//	revocations                      the revocations kept
//
// A trust or revocation is checked at now= (default: its own time).
func TestStories(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s := &story{keys: map[string]Signer{}, g: New(Config{}, NoStore{}), certs: map[string]Certificate{}}
			datadriven.RunTest(t, f, func(t *testing.T, d *datadriven.TestData) string {
				now := func(def uint64) uint64 {
					if d.HasArg("now") {
						return s.u64(t, d, "now")
					}
					return def
				}
				switch d.Cmd {
				case "key":
					for _, a := range d.CmdArgs {
						s.names = append(s.names, a.Key)
						s.keys[a.Key] = testKey(a.Key)
					}
					return ""
				case "root":
					var m int
					d.ScanArgs(t, "max", &m)
					return s.result(s.g.SetRoot(s.key(t, d, "name").Public(), m))
				case "trust":
					issued, expires := s.u64(t, d, "issued"), s.u64(t, d, "expires")
					by := s.key(t, d, "by")
					tr := IssueTrust(by, s.key(t, d, "for").Public(), expires, issued)
					return s.result(s.g.AddTrust(by.Public(), tr, now(issued)))
				case "revoke":
					at := s.u64(t, d, "at")
					r := IssueRevocation(s.key(t, d, "by"), s.key(t, d, "of").Public(), at)
					return s.result(s.g.Revoke(r, now(at)))
				case "cert":
					var name string
					d.ScanArgs(t, "name", &name)
					s.certs[name] = IssueRoot(s.key(t, d, "root"), s.key(t, d, "for").Public(), s.u64(t, d, "expires"), s.u64(t, d, "issued"))
					return s.chain(s.certs[name])
				case "extend":
					var name, from string
					d.ScanArgs(t, "name", &name)
					d.ScanArgs(t, "from", &from)
					c, err := s.certs[from].Extend(s.key(t, d, "by"), s.key(t, d, "for").Public(), s.u64(t, d, "expires"), s.u64(t, d, "issued"))
					if err != nil {
						return s.result(err)
					}
					s.certs[name] = c
					return s.chain(c)
				case "insert":
					var name string
					d.ScanArgs(t, "cert", &name)
					return s.result(s.g.InsertCertificate(s.certs[name], s.u64(t, d, "now")))
				case "weight":
					at := s.u64(t, d, "now")
					var b strings.Builder
					for _, n := range s.names {
						fmt.Fprintf(&b, "%s %d\n", n, s.g.Weight(s.keys[n].Public(), at))
					}
					return b.String()
				case "chain":
					at, k := s.u64(t, d, "now"), s.key(t, d, "for").Public()
					var c Certificate
					var err error
					if d.HasArg("root") {
						c, err = s.g.Path(s.key(t, d, "root").Public(), k, at)
					} else {
						c, err = s.g.Certificate(k, at)
					}
					if err != nil {
						return s.result(err)
					}
					return s.chain(c)
				case "revocations":
					var b strings.Builder
					for _, r := range s.g.Revocations() {
						fmt.Fprintf(&b, "%s revoked %s at %d\n", s.named(r.RevokedBy.String()), s.named(r.Revoked.String()), r.RevokedAt)
					}
					return b.String()
				}
				t.Fatalf("%s: unknown command %s", d.Pos, d.Cmd)
				return ""
			})
		})
	}
}
