package aqua

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Diagnostic is one error or warning of the compiler.
type Diagnostic struct {
	// File is the file it is in: the name the caller gave for the compiled file, the compiler's
	// absolute path for a file it imports.
	File string
	// Line and Col are 1-based; 0 when the compiler gave no position.
	Line, Col int
	// Kind is the compiler's heading: "Error", "Syntax error", "Header error", "Cannot resolve
	// imports", "Warning", ...
	Kind string
	// Msg is the compiler's message on one line: its lines joined with "; ".
	Msg string
}

// String returns FILE:LINE:COL: message (FILE: message without a position), with the kind
// before the message unless it is a plain "Error".
func (d Diagnostic) String() string {
	msg := d.Msg
	if d.Kind != "" && d.Kind != "Error" {
		msg = d.Kind + ": " + msg
	}
	if d.Line == 0 {
		return d.File + ": " + msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, msg)
}

// CompileError is the error of a file the compiler rejected: its diagnostics, in the
// compiler's order.
type CompileError struct {
	File        string
	Diagnostics []Diagnostic
}

// Error returns one FILE:LINE:COL: message line per diagnostic.
func (e *CompileError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

var (
	// ansi matches the terminal colour codes the compiler puts in its texts.
	ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")
	// heading matches "---- KIND: PATH:LINE:COL", which the compiler ends with a colour reset
	// and not always with a newline (the next text may be a line number, glued to COL once the
	// colours are gone, so it is matched before they are).
	heading = regexp.MustCompile("---- ([^:\x1b\n]+): ([^\x1b\n]+):(\\d+):(\\d+)(?:\x1b\\[0m|\n|$)")
	// sourceLine matches the compiler's quotes of the source: "LINE TEXT".
	sourceLine = regexp.MustCompile(`^\d+( |$)`)
	// markerLine matches the line under a quote that points at the columns: "   ^^^^=".
	markerLine = regexp.MustCompile(`^\s*\^[\^=~-]*\s*$`)
	spaces     = regexp.MustCompile(`\s+`)
)

// parseDiagnostic reads one of the compiler's rendered texts: a heading with the position,
// then quotes of the source, markers and the indented message, all in terminal colours. A text
// without a heading is a message about the file as a whole (e.g. it cannot be read): its
// File is the file being compiled.
func parseDiagnostic(text, file string) Diagnostic {
	d := Diagnostic{File: file}
	body := text
	if m := heading.FindStringSubmatchIndex(text); m != nil {
		d.Kind = strings.TrimSpace(text[m[2]:m[3]])
		d.File = text[m[4]:m[5]]
		d.Line, _ = strconv.Atoi(text[m[6]:m[7]])
		d.Col, _ = strconv.Atoi(text[m[8]:m[9]])
		body = text[m[1]:]
	}
	var parts []string
	for line := range strings.Lines(ansi.ReplaceAllString(body, "")) {
		if sourceLine.MatchString(line) || markerLine.MatchString(line) {
			continue
		}
		if line = strings.TrimSpace(spaces.ReplaceAllString(line, " ")); line != "" {
			parts = append(parts, line)
		}
	}
	for i := range len(parts) - 1 { // "Types mismatch.; expected: ..." reads as one sentence
		parts[i] = strings.TrimSuffix(parts[i], ".")
	}
	d.Msg = strings.Join(parts, "; ")
	if d.Msg == "" {
		d.Msg = "(the compiler gave no message)"
	}
	return d
}
