//go:build wasip1

// Command textlib is the library module of the two-module text service: it is linked before
// the facade (examples/textfacade), which calls it through sdk.CallModule; only the facade's
// functions are the service's.
//
//	words(text: string) -> []string
//	capitalize(word: string) -> string
//	stats(text: string) -> TextStats       (record {words: u32, lines: u32, chars: u32})
package main

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aquanet/aquanet/wasmhost/sdk"
)

// TextStats is the record both modules declare.
type TextStats struct {
	Words uint32 `json:"words"`
	Lines uint32 `json:"lines"`
	Chars uint32 `json:"chars"`
}

func init() {
	sdk.Record("TextStats", sdk.Args("words", "u32", "lines", "u32", "chars", "u32"))
	sdk.Func("words", sdk.Args("text", "string"), "[]string", words)
	sdk.Func("capitalize", sdk.Args("word", "string"), "string", capitalize)
	sdk.Func("stats", sdk.Args("text", "string"), "TextStats", stats)
}

func words(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var text string
	if err := sdk.Decode(args, &text); err != nil {
		return nil, err
	}
	return append([]string{}, strings.Fields(text)...), nil // [] rather than null when empty
}

func capitalize(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var word string
	if err := sdk.Decode(args, &word); err != nil {
		return nil, err
	}
	r, size := utf8.DecodeRuneInString(word)
	return string(unicode.ToUpper(r)) + word[size:], nil
}

func stats(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var text string
	if err := sdk.Decode(args, &text); err != nil {
		return nil, err
	}
	return TextStats{
		Words: uint32(len(strings.Fields(text))),
		Lines: uint32(strings.Count(text, "\n") + 1),
		Chars: uint32(utf8.RuneCountInString(text)),
	}, nil
}

func main() {}
