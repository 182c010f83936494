package value

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aquanet/aquanet/internal/oracle"
)

// TestSerdeMessageAgreesWithOracle: for every text of the differential corpus that the
// reference rejects as a service result, and one text per kind of fault, SerdeMessage words
// Parse's error as serde_json words its own in AquaVM's error (which goes into the data).
func TestSerdeMessageAgreesWithOracle(t *testing.T) {
	dir := oracle.Require(t)
	texts := []string{
		"", "x", "not json", "{", "[", "[1", "-", "01", "nulx", "1 2", "[1,]", `{"a":1,`, `{"a"`,
		"{1:2}", `{"a" 1}`, "[1 2]", `{"a":1 2}`, "[\n 1e400]", "\"a\x01\"", `"\x"`, `"\u12x4"`,
		`"\u12x`, `"\udc00"`, `"\ud800"`, `"\ud800\u0041"`, `"ab\u00`, strings.Repeat("[", 130),
	}
	for _, text := range oracleCorpus(t) {
		if utf8.ValidString(text) {
			texts = append(texts, text)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results, err := oracle.CanonicalJSON(ctx, dir, texts)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for i, text := range texts {
		ref := results[i]
		if ref.OK || ref.Trap {
			continue
		}
		rejected++
		_, err := Parse([]byte(text), Limits{})
		if err == nil {
			continue // TestOracleAgrees reports it
		}
		if got := SerdeMessage(text, err); got != ref.Error {
			t.Errorf("%s: %q, the reference says %q", abbrev(text), got, ref.Error)
		}
	}
	if rejected < 40 {
		t.Errorf("only %d texts rejected: the test compares too few messages", rejected)
	}
	t.Logf("%d messages compared with the reference", rejected)
}
