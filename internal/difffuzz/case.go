package difffuzz

import "hash/crc64"

// Generate returns the case of a seed: the same seed, the same case.
func Generate(seed uint64) *Case { return generate(newSeeded(seed, "case"), seed) }

// FromBytes returns the case that a fuzzer's input describes: every decision of the generator
// is read from b, so that a mutation of the bytes changes the case a little.
func FromBytes(b []byte) *Case {
	return generate(&bytesSource{b: b}, crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)))
}

func generate(src source, seed uint64) *Case {
	peers := peerNames[:2+src.intn(len(peerNames)-1)]
	g := &gen{src: src, peers: peers}
	c := &Case{Seed: seed, Peers: peers, Script: g.script(), MaxSteps: 10 + src.intn(31)}
	c.Choices = make([]int, c.MaxSteps)
	for i := range c.Choices {
		c.Choices[i] = src.intn(dupFlag)
		if chance(src, 4) {
			c.Choices[i] |= dupFlag
		}
		if chance(src, 25) {
			c.Choices[i] |= batchFlag
		}
	}
	return c
}
