package difffuzz

import (
	"strconv"
	"strings"
)

// The operands of generated instructions: peers, values, lenses and map keys, drawn from what
// the script has defined so far.

// peer is the peer part of a call or canon: a peer by name most of the time.
func (g *gen) peer() string {
	switch weighted(g.src, 70, 15, 15) {
	case 0:
		name := pick(g.src, g.peers...)
		if chance(g.src, 4) {
			name = outsider
		}
		return `"{{` + name + `}}"`
	case 1:
		return "%init_peer_id%"
	default:
		if v, ok := g.scalarRef(); ok {
			return v
		}
		if len(g.canons) > 0 {
			return pick(g.src, g.canons...) + ".$.[0]"
		}
		return "%init_peer_id%"
	}
}

// value is an argument: a literal, a variable with a lens, or an error.
func (g *gen) value() string {
	for range 3 {
		switch weighted(g.src, 14, 8, 5, 8, 30, 12, 10, 5, 8) {
		case 0:
			return strconv.Quote(pick(g.src, "x", "a", "b", "", "hello world", "ünï"))
		case 1:
			return pick(g.src, "0", "1", "2", "-1", "42", "1.5", "-0.25", "9007199254740993")
		case 2:
			return pick(g.src, "true", "false", "[]")
		case 3:
			if chance(g.src, 30) {
				return `"{{` + pick(g.src, g.peers...) + `}}"`
			}
			return pick(g.src, "%init_peer_id%", "%timestamp%", "%ttl%")
		case 4:
			if v, ok := g.scalarRef(); ok {
				return v
			}
		case 5:
			if len(g.iters) > 0 {
				return pick(g.src, g.iters...).name + g.lens()
			}
		case 6:
			if len(g.canons) > 0 {
				c := pick(g.src, g.canons...)
				return c + pick(g.src, "", "", ".length", ".$.[0]", ".$.[1].a", ".$.[0]!")
			}
		case 7:
			if len(g.cmaps) > 0 {
				return pick(g.src, g.cmaps...) + pick(g.src, "", ".$.a", ".$.b.[0]", ".$.a!")
			}
		case 8:
			return pick(g.src, "%last_error%", ":error:") +
				pick(g.src, "", ".$.message", ".$.error_code", ".$.instruction", ".$.peer_id")
		}
	}
	return strconv.Quote("x")
}

// scalarRef is a defined scalar with a lens, if there is one.
func (g *gen) scalarRef() (string, bool) {
	if len(g.scalars) == 0 {
		return "", false
	}
	return pick(g.src, g.scalars...) + g.lens(), true
}

// lens returns a lens (or none) over the shapes the services answer with (values.go).
func (g *gen) lens() string {
	if !chance(g.src, 45) {
		return ""
	}
	if chance(g.src, 12) {
		return ".length"
	}
	var b strings.Builder
	b.WriteString(".$")
	for range 1 + g.src.intn(2) {
		switch weighted(g.src, 30, 30, 15, 10, 15) {
		case 0:
			b.WriteString(pick(g.src, ".a", ".b", ".peer", ".key", ".value"))
		case 1:
			b.WriteString(pick(g.src, ".[0]", ".[1]", ".[2]"))
		case 2:
			if len(g.scalars) > 0 {
				b.WriteString(".[" + pick(g.src, g.scalars...) + "]")
			} else {
				b.WriteString(".[0]")
			}
		case 3:
			b.WriteString(pick(g.src, ".error_code", ".message"))
		default:
			if len(g.iters) > 0 {
				b.WriteString(".[" + pick(g.src, g.iters...).name + "]")
			} else {
				b.WriteString(".a")
			}
		}
	}
	if chance(g.src, 15) {
		b.WriteString("!")
	}
	return b.String()
}

func (g *gen) mapKey() string {
	switch weighted(g.src, 45, 25, 30) {
	case 0:
		return strconv.Quote(pick(g.src, "a", "b", "key", ""))
	case 1:
		return pick(g.src, "1", "2", "-7")
	default:
		if v, ok := g.scalarRef(); ok {
			return v
		}
		return `"a"`
	}
}
