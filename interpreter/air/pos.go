package air

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a script: the byte offset from the start (0-based), and the line and
// column (1-based; the column counts bytes, as Go's own tools do). The zero Pos is "no position".
type Pos struct {
	Offset int32
	Line   int32
	Col    int32
}

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as LINE:COL.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// add returns the position n bytes further on the same line.
func (p Pos) add(n int) Pos {
	return Pos{Offset: p.Offset + int32(n), Line: p.Line, Col: p.Col + int32(n)}
}

// Error is one problem in a script, at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in a script, sorted by position. Parse returns one (as an
// error) when the script is not valid AIR.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	b.WriteString(l[0].Error())
	fmt.Fprintf(&b, " (and %d more errors)", len(l)-1)
	return b.String()
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

func (l *ErrorList) add(pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// sort orders the errors by position and drops exact duplicates (the same message at the same
// place, which nested checks can produce).
func (l *ErrorList) sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool { return s[i].Pos.Offset < s[j].Pos.Offset })
	out := s[:0]
	for i, e := range s {
		if i > 0 && e.Pos == s[i-1].Pos && e.Msg == s[i-1].Msg {
			continue
		}
		out = append(out, e)
	}
	*l = out
}
