package difffuzz

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter"
)

// The same seed gives the same case, and the same case the same runs.
func TestGenerateIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		a, b := Generate(seed), Generate(seed)
		if a.Script.String() != b.Script.String() || !reflect.DeepEqual(a.Choices, b.Choices) || !reflect.DeepEqual(a.Peers, b.Peers) {
			t.Fatalf("seed %d: two cases", seed)
		}
		ra, rb := a.play(), b.play()
		if !reflect.DeepEqual(ra.steps, rb.steps) {
			t.Fatalf("seed %d: two chains of steps", seed)
		}
		for i := range ra.ours {
			if string(ra.ours[i].Data) != string(rb.ours[i].Data) {
				t.Fatalf("seed %d, step %d: two outcomes", seed, i)
			}
		}
	}
	if Generate(1).Script.String() == Generate(2).Script.String() {
		t.Error("seeds 1 and 2 give the same script")
	}
}

// Almost every generated script is valid (it runs past the parser), and together they use
// every instruction and the forms of values the issue asks for.
func TestGeneratedScriptsCoverAIR(t *testing.T) {
	const n = 400
	want := map[string]*regexp.Regexp{}
	for _, op := range []string{"seq", "par", "xor", "never", "null", "match", "mismatch", "fold", "next", "new", "ap", "canon", "call", "fail"} {
		want["("+op] = regexp.MustCompile(`\(` + op + `[ )]`)
	}
	for name, rx := range map[string]string{
		"fold over a stream":           `\(fold \$`,
		"fold over a stream map":       `\(fold %m`,
		"fold over a canon stream":     `\(fold #c`,
		"fold over a canon map":        `\(fold #%k`,
		"fold with a last instruction": `\(next i\d+\)\) \(`,
		"nested folds":                 `\(fold [^()]*\([^()]*\(fold `,
		"ap to a stream map":           `\(ap \(`,
		"canon of a map":               `\(canon \S+ %m\d #%k`,
		"canon of a map to a scalar":   `\(canon \S+ %m\d x`,
		"a field lens":                 `\.\$\.(a|b|peer)`,
		"an index lens":                `\.\$\.\[\d\]`,
		"a variable index":             `\.\[[xi]\d+\]`,
		"flattening":                   `!`,
		".length":                      `\.length`,
		"fail with a literal":          `\(fail -?\d+ "`,
		"fail with :error:":            `\(fail :error:\)`,
		"%last_error%":                 `%last_error%`,
		":error: fields":               `:error:\.\$\.`,
		"%init_peer_id% as a peer":     `\(call %init_peer_id%`,
		"a variable as a peer":         `\(call [xi]\d+`,
		"an outsider":                  `\{\{eve\}\}`,
		"a float":                      `-0\.25`,
		"%timestamp%":                  `%timestamp%`,
	} {
		want[name] = regexp.MustCompile(rx)
	}
	seen := map[string]int{}
	rejected := 0
	for seed := uint64(1); seed <= n; seed++ {
		c := Generate(seed)
		s := c.Script.String()
		for name, rx := range want {
			if rx.MatchString(s) {
				seen[name]++
			}
		}
		if o := c.play().ours[0]; o.RetCode == interpreter.CodeAIRParse {
			rejected++
			if rejected <= 3 {
				t.Logf("rejected: %s\n%s", o.ErrorMessage, s)
			}
		}
	}
	for name := range want {
		if seen[name] == 0 {
			t.Errorf("no script of %d has %s", n, name)
		}
	}
	if rejected > n/20 {
		t.Errorf("%d of %d scripts do not parse; want at most 5%%", rejected, n)
	}
}

// Cases run on several peers, deliver out of order and sometimes twice: the network does what
// it is there for.
func TestPlayMovesParticlesBetweenPeers(t *testing.T) {
	var multi, long, results, merges, batched, unprocessed int
	for seed := uint64(1); seed <= 300; seed++ {
		r := Generate(seed).play()
		peers := map[string]bool{}
		for _, s := range r.steps {
			peers[s.Peer] = true
			if len(s.CallResults) > 0 {
				results++
			}
			if len(s.CallResults) > 1 {
				batched++
			}
			if s.Prev != nil && s.Current != nil {
				merges++
			}
		}
		if len(peers) > 1 {
			multi++
		}
		if len(r.steps) >= 6 {
			long++
		}
		for _, o := range r.ours {
			if o.RetCode == interpreter.CodeUnprocessedCallResult {
				unprocessed++ // an answer delivered twice
			}
		}
	}
	t.Logf("of 300 cases: %d on several peers, %d of 6 steps or more; %d runs with call results (%d with several), %d merging two data, %d with an answer given twice",
		multi, long, results, batched, merges, unprocessed)
	if multi < 100 || long < 20 || results < 100 || batched < 5 || merges < 50 || unprocessed == 0 {
		t.Errorf("the cases do too little")
	}
}

// The byte-driven generator makes valid cases too, and short inputs make small ones.
func TestFromBytes(t *testing.T) {
	if c := FromBytes(nil); c.Script.size() > 4 || len(c.Peers) != 2 {
		t.Errorf("empty input: %d instructions on %v: %s", c.Script.size(), c.Peers, c.Script)
	}
	for i := range 100 {
		b := []byte(strings.Repeat(fmt.Sprint(i*7919), 8))
		c := FromBytes(b)
		if o := c.play().ours[0]; o.RetCode == interpreter.CodeAIRParse {
			t.Errorf("input %q: %s\n%s", b, o.ErrorMessage, c.Script)
		}
	}
}
