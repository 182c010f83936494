package air

import "fmt"

// A slot is a place in an instruction that takes a value, with the kinds of value the reference
// grammar accepts there. The grammar differs from slot to slot in small ways (a canon stream
// needs a lens as a peer id but may go without one as an argument, an ap argument cannot be a
// bare canon stream map, ...); the tables below are the grammar's, rule for rule.
type slot struct {
	what   string // the slot, for messages: "the peer id of call"
	expect string // what it accepts, for messages

	initPeerID, timestamp, ttl bool
	lastError, errorValue      lensRule
	str, integer, float, bool_ bool
	emptyArray                 bool
	vars                       [5]lensRule // by VarKind
}

// lensRule says whether a kind of value is accepted in a slot, and with what lens.
type lensRule uint8

const (
	never    lensRule = iota // not accepted
	bare                     // accepted without a lens
	optional                 // accepted with or without a lens
	needed                   // accepted only with a lens
)

func vars(scalar, stream, streamMap, canon, canonMap lensRule) [5]lensRule {
	return [5]lensRule{scalar, stream, streamMap, canon, canonMap}
}

var (
	slotPeer = &slot{
		what: "a peer id", expect: "%init_peer_id%, a string, a scalar, or a canon stream or canon stream map with a lens",
		initPeerID: true, str: true, vars: vars(optional, never, never, needed, needed),
	}
	slotTriplet = &slot{
		what: "a service or function name", expect: "a string, a scalar, or a canon stream or canon stream map with a lens",
		str: true, vars: vars(optional, never, never, needed, needed),
	}
	slotArg = &slot{
		what:       "an argument",
		expect:     "a literal, a special value, a scalar, a canon stream or a canon stream map (streams and stream maps must be canonicalized first)",
		initPeerID: true, timestamp: true, ttl: true, lastError: optional, errorValue: optional,
		str: true, integer: true, float: true, bool_: true, emptyArray: true,
		vars: vars(optional, never, never, optional, optional),
	}
	slotApArg = &slot{
		what:       "an ap argument",
		expect:     "a literal, a special value, a scalar, a canon stream, or a canon stream map with a lens",
		initPeerID: true, timestamp: true, ttl: true, lastError: optional, errorValue: optional,
		str: true, integer: true, float: true, bool_: true, emptyArray: true,
		vars: vars(optional, never, never, optional, needed),
	}
	slotOutput = &slot{
		what: "a result", expect: "a scalar or a stream, without a lens",
		vars: vars(bare, bare, never, never, never),
	}
	slotMapKey = &slot{
		what: "a stream map key", expect: "a string, an integer, a scalar, or a canon stream with a lens",
		str: true, integer: true, vars: vars(optional, never, never, needed, never),
	}
	slotMap = &slot{
		what: "a stream map", expect: "a stream map (%name), without a lens",
		vars: vars(never, never, bare, never, never),
	}
	slotFail = &slot{
		what: "a fail argument", expect: `an error code and a message (fail 1 "message"), a scalar, a canon stream with a lens, %last_error% or :error:`,
		lastError: bare, errorValue: bare, vars: vars(optional, never, never, needed, never),
	}
	slotIterable = &slot{
		what: "a fold iterable", expect: "a scalar, a canon stream, a canon stream map, a stream, a stream map, or []",
		emptyArray: true, vars: vars(optional, bare, bare, bare, optional),
	}
	slotIterator = &slot{
		what: "an iterator", expect: "a scalar name, without a lens",
		vars: vars(bare, never, never, never, never),
	}
	slotNew = &slot{
		what: "a new variable", expect: "a scalar, stream, stream map, canon stream or canon stream map name, without a lens",
		vars: vars(bare, bare, bare, bare, bare),
	}
	slotCanonSrc = &slot{
		what: "a canon source", expect: "a stream or a stream map, without a lens",
		vars: vars(never, bare, bare, never, never),
	}
	slotCanonStreamDst = &slot{
		what: "the canon result of a stream", expect: "a canon stream (#name or #$name), without a lens",
		vars: vars(never, never, never, bare, never),
	}
	slotCanonMapDst = &slot{
		what: "the canon result of a stream map", expect: "a canon stream map (#%name) or a scalar, without a lens",
		vars: vars(bare, never, never, never, bare),
	}
)

// accepts returns "" when t (a value token) fits s, else what is wrong.
func (s *slot) accepts(t *token) string {
	var rule lensRule
	var hasLens bool
	switch t.kind {
	case tString:
		rule = ruleIf(s.str)
	case tInt:
		rule = ruleIf(s.integer)
	case tFloat:
		rule = ruleIf(s.float)
	case tBool:
		rule = ruleIf(s.bool_)
	case tLbrack:
		rule = ruleIf(s.emptyArray)
	case tSpecial:
		hasLens = t.lens != nil
		switch t.special {
		case InitPeerID:
			rule = ruleIf(s.initPeerID)
		case Timestamp:
			rule = ruleIf(s.timestamp)
		case TTL:
			rule = ruleIf(s.ttl)
		case LastError:
			rule = s.lastError
		case ErrorValue:
			rule = s.errorValue
		}
	case tVar:
		hasLens = t.lens != nil
		rule = s.vars[t.varKind]
	default:
		return fmt.Sprintf("expected %s, found %s", s.what, t.describe())
	}
	switch {
	case rule == never:
		return fmt.Sprintf("%s cannot be %s: it must be %s", s.what, valueDesc(t), s.expect)
	case rule == bare && hasLens:
		return fmt.Sprintf("%s cannot have a lens (%s)", s.what, t.lit)
	case rule == needed && !hasLens:
		return fmt.Sprintf("%s cannot be %s without a lens: it must be %s", s.what, valueDesc(t), s.expect)
	}
	return ""
}

func ruleIf(ok bool) lensRule {
	if ok {
		return bare
	}
	return never
}

// valueDesc names a value token for an error message: "stream $s", "string \"x\"".
func valueDesc(t *token) string {
	if t.kind == tLbrack {
		return "an array"
	}
	return t.describe()
}
