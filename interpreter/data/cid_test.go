package data

import "testing"

// The CIDs below were read from the reference interpreter's JSON view of real runs.
func TestCIDMatchesReference(t *testing.T) {
	cases := map[string]string{
		`{"a":[1,2.5,"x"],"b":null}`: "bagaaihra6glbkddklpqp2ny6qduruo3mkmgsmgsejdynm6qhkdlmqyocjq5q",
		`[]`:                         "bagaaihra2u6rrqrsclvhwyyalff3rg6omaqy63x7foowfc4myqwt46n32wvq",
		`{"peer_pk":"12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm","service_id":"s","function_name":"a","lens":""}`: "bagaaihraeztptk6x2fm4gkf4a3w6pm3t72fupk6dramrelzh76gh57bf5juq",
	}
	for text, want := range cases {
		c := CIDOf([]byte(text))
		if c.String() != want {
			t.Errorf("CIDOf(%s) = %s, want %s", text, c, want)
		}
		back, err := ParseCID(want)
		if err != nil || back != c {
			t.Errorf("ParseCID(%s) = %v, %v", want, back, err)
		}
	}
	for _, bad := range []string{"", "x", "b!!!!", "bafkreigh2akiscaildc", "b" + "aaaa"} {
		if _, err := ParseCID(bad); err == nil {
			t.Errorf("ParseCID(%q) accepted", bad)
		}
	}
}
