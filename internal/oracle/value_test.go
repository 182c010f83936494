package oracle

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestCanonicalJSON(t *testing.T) {
	dir := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The CIDs are the test vectors of AquaVM's crates/air-lib/interpreter-cid/src/lib.rs.
	tests := []struct {
		text      string
		canonical string
		cid       string
	}{
		{`"test"`, `"test"`, "bagaaihrarcyykpv4oj7zwdbepczyfthxya4og7s2rwvrzolm5kg2eu5dz3xa"},
		{"[1, 2,\n 3]", `[1,2,3]`, "bagaaihram6sitn77tquub77n2jzjgttrlwkverv44pv3gns6qghm6hx6d36a"},
		{` 1 `, `1`, "bagaaihra2y55tkbgv6i4d7vdoglfuzhbd3ra6e7ennpvfrmzaejwmbntusdq"},
		{`{"key": 42}`, `{"key":42}`, "bagaaihracpzxhsrpviexa7k6glwdhyh3a4kvy6j7qlcqokzqbs3q424cmxyq"},
		// Keys sorted, "-0" read as a float; the u64 kept to the last digit (never a JS number).
		{`{"b":18446744073709551615,"a":-0}`, `{"a":-0.0,"b":18446744073709551615}`, ""},
	}
	texts := make([]string, 0, len(tests)+2)
	for _, tc := range tests {
		texts = append(texts, tc.text)
	}
	texts = append(texts, "nope", "[1,]")
	res, err := CanonicalJSON(ctx, dir, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range tests {
		r := res[i]
		if !r.OK || r.Canonical != tc.canonical || r.CID == "" || (tc.cid != "" && r.CID != tc.cid) {
			t.Errorf("%q: got %+v, want ok with %s (CID %s)", tc.text, r, tc.canonical, tc.cid)
		}
	}
	for i, want := range []string{"expected ident", "trailing comma"} {
		r := res[len(tests)+i]
		if r.OK || r.Trap || !strings.Contains(r.Error, want) || r.Canonical != "" {
			t.Errorf("%q: got %+v, want rejected with an error mentioning %q", texts[len(tests)+i], r, want)
		}
	}
}

func TestCanonicalJSONKeepsOrder(t *testing.T) {
	dir := Require(t)
	const n = 200
	texts := make([]string, n)
	for i := range texts {
		if i%3 == 0 {
			texts[i] = fmt.Sprintf("[%d,", i) // unterminated
		} else {
			texts[i] = fmt.Sprintf(`{"i": %d}`, i)
		}
	}
	res, err := CanonicalJSON(context.Background(), dir, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if want := i%3 != 0; r.OK != want {
			t.Fatalf("text %d %q: ok=%v, want %v (%+v)", i, texts[i], r.OK, want, r)
		}
		if r.OK && r.Canonical != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("text %d: canonical %s is not this text's", i, r.Canonical)
		}
	}
}

func TestCanonicalJSONEmpty(t *testing.T) {
	res, err := CanonicalJSON(context.Background(), "/nonexistent", nil)
	if err != nil || len(res) != 0 {
		t.Fatalf("CanonicalJSON of no texts: %v, %v; want no results and no error", res, err)
	}
}

func TestCanonicalJSONRejectsInvalidUTF8(t *testing.T) {
	_, err := CanonicalJSON(context.Background(), "/nonexistent", []string{`"ok"`, "\"\xff\""})
	if err == nil || !strings.Contains(err.Error(), "text 1 is not valid UTF-8") {
		t.Fatalf("got %v, want an error naming text 1 as not UTF-8", err)
	}
}

func TestCanonicalJSONReportsNodeFailure(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	_, err := CanonicalJSON(context.Background(), t.TempDir(), []string{"1"})
	if err == nil || !strings.Contains(err.Error(), "value-batch: cannot start AquaVM") {
		t.Fatalf("got %v, want an error carrying the driver's stderr", err)
	}
}
