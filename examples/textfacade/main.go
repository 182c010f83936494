//go:build wasip1

// Command textfacade is the facade of the two-module text service: its functions are the
// service's, and it does the text work by calling the library module linked before it,
// examples/textlib, by that module's linked name, "textlib".
//
//	analyze(text: string) -> TextStats     (textlib's stats, passed through)
//	title(text: string) -> string          (each word capitalized by textlib)
//	summary(stats: TextStats) -> string    (a record argument, checked by the host)
package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aquanet/aquanet/wasmhost/sdk"
)

// lib is the library's name as the service links it.
const lib = "textlib"

// TextStats is the record both modules declare.
type TextStats struct {
	Words uint32 `json:"words"`
	Lines uint32 `json:"lines"`
	Chars uint32 `json:"chars"`
}

func init() {
	sdk.Record("TextStats", sdk.Args("words", "u32", "lines", "u32", "chars", "u32"))
	sdk.Func("analyze", sdk.Args("text", "string"), "TextStats", analyze)
	sdk.Func("title", sdk.Args("text", "string"), "string", title)
	sdk.Func("summary", sdk.Args("stats", "TextStats"), "string", summary)
}

func analyze(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var text string
	if err := sdk.Decode(args, &text); err != nil {
		return nil, err
	}
	return sdk.CallModule(lib, "stats", text) // the library's JSON, as it is
}

func title(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var text string
	if err := sdk.Decode(args, &text); err != nil {
		return nil, err
	}
	out, err := sdk.CallModule(lib, "words", text)
	if err != nil {
		return nil, err
	}
	var words []string
	if err := json.Unmarshal(out, &words); err != nil {
		return nil, fmt.Errorf("title: %s.words answered %s: %w", lib, out, err)
	}
	for i, w := range words {
		out, err := sdk.CallModule(lib, "capitalize", w)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(out, &words[i]); err != nil {
			return nil, fmt.Errorf("title: %s.capitalize answered %s: %w", lib, out, err)
		}
	}
	return strings.Join(words, " "), nil
}

func summary(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var s TextStats
	if err := sdk.Decode(args, &s); err != nil {
		return nil, err
	}
	return fmt.Sprintf("%d words on %d lines, %d characters", s.Words, s.Lines, s.Chars), nil
}

func main() {}
