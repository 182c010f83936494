package oracle_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/aquanet/aquanet/internal/oracle"
	"github.com/aquanet/aquanet/internal/scenario"
	"github.com/aquanet/aquanet/internal/scenario/reference"
	"github.com/aquanet/aquanet/internal/scenario/yamljson"
)

// scenarioDir holds the scenario files and the reference's results for them.
const scenarioDir = "../../interpreter/testdata/scenarios"

// EnvUpdateScenarios, set to "1", makes TestScenarioFiles rewrite every NAME.oracle.json and the
// expect block of every NAME.yaml from what the reference does now, instead of comparing.
const EnvUpdateScenarios = "AQUANET_UPDATE_SCENARIOS"

// scenarioFiles returns the scenario files, sorted.
func scenarioFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scenarios in %s", scenarioDir)
	}
	slices.Sort(files)
	return files
}

// TestScenarioFiles runs every scenario file through the reference and compares the result with
// the stored NAME.oracle.json. With AQUANET_UPDATE_SCENARIOS=1 it rewrites the .oracle.json files
// and the expect blocks of the .yaml files instead (the expect block must be the last key of the
// file; everything from the line "expect:" on is replaced).
func TestScenarioFiles(t *testing.T) {
	dir := oracle.Require(t)
	files := scenarioFiles(t)
	var inputs [][]byte
	for _, f := range files {
		y, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		j, err := yamljson.Convert(y)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		inputs = append(inputs, j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := reference.RunScenarios(ctx, dir, inputs)
	if err != nil {
		t.Fatal(err)
	}
	update := os.Getenv(EnvUpdateScenarios) == "1"
	for i, f := range files {
		if res[i].Err != nil {
			t.Errorf("%s: %v", f, res[i].Err)
			continue
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, res[i].Result, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		oracleFile := strings.TrimSuffix(f, ".yaml") + ".oracle.json"
		if update {
			if err := os.WriteFile(oracleFile, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := rewriteExpect(f, inputs[i], res[i].Result); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			continue
		}
		stored, err := os.ReadFile(oracleFile)
		if err != nil {
			t.Errorf("%s: %v (run with %s=1 to create it)", f, err, EnvUpdateScenarios)
			continue
		}
		if !bytes.Equal(stored, pretty.Bytes()) {
			t.Errorf("%s: the reference's result differs from %s (run with %s=1 to update):\n%s",
				f, filepath.Base(oracleFile), EnvUpdateScenarios, firstDifference(stored, pretty.Bytes()))
		}
	}
}

// firstDifference shows the first differing line of two texts.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return "(same lines)"
}

// rewriteExpect replaces the expect block of the scenario file f with the reference's result
// res, peer ids written back as {{peer:NAME}}. An interpreter error whose message the current
// expect block leaves out (aquanet renders parse and trace errors its own way) stays without.
func rewriteExpect(f string, scenarioJSON, res []byte) error {
	var sc struct {
		Peers []string `json:"peers"`
	}
	if err := json.Unmarshal(scenarioJSON, &sc); err != nil {
		return err
	}
	current, err := scenario.ParseFile(f)
	if err != nil {
		return err
	}
	noMessage := func(i int) bool {
		e := current.Expect
		return e != nil && e.InterpreterErrors != nil && i < len(*e.InterpreterErrors) && (*e.InterpreterErrors)[i].Message == ""
	}
	ids, err := peerIDs(sc.Peers)
	if err != nil {
		return err
	}
	// Longest ids first, so that no id is replaced inside another.
	slices.SortFunc(ids, func(a, b [2]string) int { return len(b[1]) - len(a[1]) })
	unexpand := func(s string) string {
		for _, p := range ids {
			s = strings.ReplaceAll(s, p[1], "{{peer:"+p[0]+"}}")
		}
		return s
	}

	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	var r struct {
		Callbacks []struct {
			Service  string            `json:"service"`
			Function string            `json:"function"`
			Args     []json.RawMessage `json:"args"`
		} `json:"callbacks"`
		Errors []struct {
			Service  string            `json:"service"`
			Function string            `json:"function"`
			Args     []json.RawMessage `json:"args"`
		} `json:"errors"`
		InterpreterErrors []struct {
			Peer    string      `json:"peer"`
			RetCode json.Number `json:"ret_code"`
			Message string      `json:"message"`
		} `json:"interpreter_errors"`
		Undelivered []struct {
			From string `json:"from"`
			To   string `json:"to"`
		} `json:"undelivered"`
		Steps     int  `json:"steps"`
		Completed bool `json:"completed"`
	}
	if err := dec.Decode(&r); err != nil {
		return err
	}
	q := func(s string) string { return string(yamljson.AppendString(nil, unexpand(s))) }
	var b strings.Builder
	b.WriteString("expect:   # what the reference, AquaVM 0.62, does (generated: see README.md)\n")
	calls := func(field string, list []struct {
		Service  string            `json:"service"`
		Function string            `json:"function"`
		Args     []json.RawMessage `json:"args"`
	}) {
		if len(list) == 0 {
			fmt.Fprintf(&b, "  %s: []\n", field)
			return
		}
		fmt.Fprintf(&b, "  %s:\n", field)
		for _, c := range list {
			args := make([]string, len(c.Args))
			for i, a := range c.Args {
				args[i] = unexpand(string(a))
			}
			fmt.Fprintf(&b, "    - {service: %s, function: %s, args: [%s]}\n", q(c.Service), q(c.Function), strings.Join(args, ", "))
		}
	}
	calls("callbacks", r.Callbacks)
	calls("errors", r.Errors)
	if len(r.InterpreterErrors) == 0 {
		b.WriteString("  interpreter_errors: []\n")
	} else {
		b.WriteString("  interpreter_errors:\n")
		for i, e := range r.InterpreterErrors {
			fmt.Fprintf(&b, "    - peer: %s\n      ret_code: %s\n", e.Peer, e.RetCode)
			if !noMessage(i) {
				fmt.Fprintf(&b, "      message: %s\n", q(e.Message))
			}
		}
	}
	if len(r.Undelivered) > 0 {
		b.WriteString("  undelivered:\n")
		for _, u := range r.Undelivered {
			fmt.Fprintf(&b, "    - {from: %s, to: %s}\n", u.From, q(u.To))
		}
	}
	fmt.Fprintf(&b, "  steps: %d\n  completed: %v\n", r.Steps, r.Completed)

	y, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	text := string(y)
	if i := strings.Index(text, "\nexpect:"); i >= 0 {
		text = text[:i+1]
	} else if strings.HasPrefix(text, "expect:") {
		text = ""
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return os.WriteFile(f, []byte(text+b.String()), 0o644)
}

// peerIDs returns (name, peer id) for each name: seed sha256(name), libp2p's peer id.
func peerIDs(names []string) ([][2]string, error) {
	var out [][2]string
	for _, n := range names {
		seed := sha256.Sum256([]byte(n))
		pub, err := crypto.UnmarshalEd25519PublicKey(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
		if err != nil {
			return nil, err
		}
		id, err := peer.IDFromPublicKey(pub)
		if err != nil {
			return nil, err
		}
		out = append(out, [2]string{n, id.String()})
	}
	return out, nil
}
