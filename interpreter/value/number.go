package value

import (
	"math"
	"strconv"
)

// This file reads and prints numbers the way serde_json 1.0.108 (default features) does, because
// AquaVM hashes what serde_json makes of a service result: reading is serde_json's
// Deserializer::parse_integer / parse_decimal / parse_exponent / f64_from_parts (the code used
// without the float_roundtrip feature, which is not always correctly rounded), printing is
// ryu::Buffer::format_finite.

// pow10 is serde_json's POW10 table: 1e0 ... 1e308, each the correctly rounded f64 (as the Rust
// literals are).
var pow10 = func() (t [309]float64) {
	for i := range t {
		t[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// overflowsU64 reports whether sig*10+d overflows a u64 (serde_json's overflow! macro).
func overflowsU64(sig, d uint64) bool {
	const max = math.MaxUint64
	return sig >= max/10 && (sig > max/10 || d > max%10)
}

// number reads the number at p.pos ('-' or a digit).
func (p *parser) number() (Value, error) {
	start := p.pos
	neg := p.data[p.pos] == '-'
	if neg {
		p.pos++
	}
	if p.pos >= len(p.data) {
		return Value{}, p.errorf(ErrEOFInNumber, p.pos, "unexpected end of input in a number")
	}
	var sig uint64
	switch c := p.data[p.pos]; {
	case c == '0':
		p.pos++
		if p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			return Value{}, p.errorf(ErrInvalidNumber, p.pos, "invalid number: leading zero")
		}
	case c >= '1' && c <= '9':
		sig = uint64(c - '0')
		p.pos++
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			d := uint64(p.data[p.pos] - '0')
			if overflowsU64(sig, d) {
				return p.float(p.longInteger(start, neg, sig))
			}
			sig = sig*10 + d
			p.pos++
		}
	default:
		return Value{}, p.errorf(ErrInvalidNumber, p.pos, "invalid number: expected a digit, found %s", p.describe(p.pos))
	}
	if p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '.':
			return p.float(p.decimal(start, neg, sig, 0))
		case 'e', 'E':
			return p.float(p.exponent(start, neg, sig, 0))
		}
	}
	if !neg {
		return Value{kind: KindNumber, form: posInt, n: sig}, nil
	}
	if n := -int64(sig); n < 0 { // wraps like Rust's wrapping_neg: -2^63 stays an i64
		return Value{kind: KindNumber, form: negInt, n: uint64(n)}, nil
	}
	// "-0" and integers below -2^63 are floats, -0.0 included.
	return Value{kind: KindNumber, form: float, n: math.Float64bits(-float64(sig))}, nil
}

func (p *parser) float(f float64, err error) (Value, error) {
	if err != nil {
		return Value{}, err
	}
	return Value{kind: KindNumber, form: float, n: math.Float64bits(f)}, nil
}

// longInteger continues an integer too long for a u64: further digits are dropped (not rounded)
// and only counted in the exponent. The exponent is an i32, as in serde_json.
func (p *parser) longInteger(start int, neg bool, sig uint64) (float64, error) {
	var exp int32
	for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
		p.pos++
		exp++
	}
	if p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '.':
			return p.decimal(start, neg, sig, exp)
		case 'e', 'E':
			return p.exponent(start, neg, sig, exp)
		}
	}
	return p.fromParts(start, neg, sig, exp)
}

// decimal reads the fraction at p.pos ('.'). Its digits go on into sig (even after digits of the
// integer part were dropped by longInteger) until sig would overflow; the rest are dropped.
func (p *parser) decimal(start int, neg bool, sig uint64, exp int32) (float64, error) {
	p.pos++
	digits := 0
	for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
		d := uint64(p.data[p.pos] - '0')
		if overflowsU64(sig, d) {
			for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
				p.pos++
			}
			digits++
			break
		}
		sig = sig*10 + d
		exp--
		digits++
		p.pos++
	}
	if digits == 0 {
		if p.pos >= len(p.data) {
			return 0, p.errorf(ErrEOFInNumber, p.pos, "unexpected end of input in a number: expected a digit after '.'")
		}
		return 0, p.errorf(ErrInvalidNumber, p.pos, "invalid number: expected a digit after '.', found %s", p.describe(p.pos))
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		return p.exponent(start, neg, sig, exp)
	}
	return p.fromParts(start, neg, sig, exp)
}

// exponent reads the exponent at p.pos ('e' or 'E') and adds it to exp, saturating.
func (p *parser) exponent(start int, neg bool, sig uint64, exp int32) (float64, error) {
	p.pos++
	positive := true
	if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
		positive = p.data[p.pos] == '+'
		p.pos++
	}
	if p.pos >= len(p.data) {
		return 0, p.errorf(ErrEOFInNumber, p.pos, "unexpected end of input in a number: expected a digit in the exponent")
	}
	if !isDigit(p.data[p.pos]) {
		return 0, p.errorf(ErrInvalidNumber, p.pos, "invalid number: expected a digit in the exponent, found %s", p.describe(p.pos))
	}
	e := int32(p.data[p.pos] - '0')
	p.pos++
	for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
		d := int32(p.data[p.pos] - '0')
		p.pos++
		if e >= math.MaxInt32/10 && (e > math.MaxInt32/10 || d > math.MaxInt32%10) {
			// The exponent does not fit in an i32: infinity is an error, zero is ±0.0.
			if sig != 0 && positive {
				return 0, p.errorf(ErrNumberOutOfRange, start, "number out of range")
			}
			for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
				p.pos++
			}
			if neg {
				return math.Copysign(0, -1), nil
			}
			return 0, nil
		}
		e = e*10 + d
	}
	if positive {
		exp = satAdd(exp, e)
	} else {
		exp = satAdd(exp, -e)
	}
	return p.fromParts(start, neg, sig, exp)
}

// satAdd is Rust's i32::saturating_add (for b > math.MinInt32).
func satAdd(a, b int32) int32 {
	s := int64(a) + int64(b)
	switch {
	case s > math.MaxInt32:
		return math.MaxInt32
	case s < math.MinInt32:
		return math.MinInt32
	}
	return int32(s)
}

// fromParts is serde_json's f64_from_parts: sig as f64 (rounded once), then multiplied or
// divided by a power of ten from the table (rounded again), dividing by 1e308 first for
// exponents below -308. A product that overflows is "number out of range".
func (p *parser) fromParts(start int, neg bool, sig uint64, exp int32) (float64, error) {
	f := float64(sig)
	for {
		abs := int64(exp)
		if abs < 0 {
			abs = -abs
		}
		if abs < int64(len(pow10)) {
			if exp >= 0 {
				f *= pow10[abs]
				if math.IsInf(f, 0) {
					return 0, p.errorf(ErrNumberOutOfRange, start, "number out of range")
				}
			} else {
				f /= pow10[abs]
			}
			break
		}
		if f == 0 {
			break
		}
		if exp >= 0 {
			return 0, p.errorf(ErrNumberOutOfRange, start, "number out of range")
		}
		f /= 1e308
		exp += 308
	}
	if neg {
		f = -f
	}
	return f, nil
}

// appendFloat appends f (finite) as ryu::Buffer::format_finite prints it: the shortest digits
// that read back as f, laid out by ryu's rule on the decimal point position kk (the value is
// 0.d1d2...dn × 10^kk): integral values with kk <= 16 as "123.0", other values with
// 0 < kk <= 16 as "1.25", -5 < kk <= 0 as "0.000125", everything else in scientific
// notation, "1e16", "1.5e-7", "-1.2345e300" (no '+', no leading zeros in the exponent).
func appendFloat(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // "-d.ddde±XX": shortest round-trip digits
	if b[0] == '-' {
		dst = append(dst, '-')
		b = b[1:]
	}
	var digs [20]byte
	nd := 0
	i := 0
	for ; b[i] != 'e'; i++ {
		if b[i] != '.' {
			digs[nd] = b[i]
			nd++
		}
	}
	exp := 0
	for _, c := range b[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if b[i+1] == '-' {
		exp = -exp
	}
	d := digs[:nd]
	kk := exp + 1 // decimal point position
	k := kk - nd  // exponent of the last digit
	switch {
	case 0 <= k && kk <= 16:
		dst = append(dst, d...)
		for ; k > 0; k-- {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	case 0 < kk && kk <= 16:
		dst = append(dst, d[:kk]...)
		dst = append(dst, '.')
		return append(dst, d[kk:]...)
	case -5 < kk && kk <= 0:
		dst = append(dst, '0', '.')
		for ; kk < 0; kk++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	}
	dst = append(dst, d[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, d[1:]...)
	}
	dst = append(dst, 'e')
	return strconv.AppendInt(dst, int64(kk-1), 10)
}
