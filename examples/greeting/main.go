//go:build wasip1

// Command greeting is a pure service: it works on strings and JSON only, and keeps no state.
//
//	greet(name: string) -> string
//	count_words(text: string) -> u32
//	pick(object: json, keys: []string) -> json
package main

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/aquanet/aquanet/wasmhost/sdk"
)

func init() {
	sdk.Stateless() // a pure service: the node may run its calls on several instances at once
	sdk.Func("greet", sdk.Args("name", "string"), "string", greet)
	sdk.Func("count_words", sdk.Args("text", "string"), "u32", countWords)
	sdk.Func("pick", sdk.Args("object", "json", "keys", "[]string"), "json", pick)
}

// greet greets name, and fails on an empty one: AIR sees the message as the call's error.
func greet(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var name string
	if err := sdk.Decode(args, &name); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("greet: the name is empty")
	}
	return "Hi, " + name + "!", nil
}

// countWords counts the words of text, separated by white space.
func countWords(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var text string
	if err := sdk.Decode(args, &text); err != nil {
		return nil, err
	}
	return len(strings.Fields(text)), nil
}

// pick returns an object with only the given keys of object (those it has). The object
// argument is "json", any value, so the handler checks it is an object itself.
func pick(_ *sdk.Call, args []json.RawMessage) (any, error) {
	var object map[string]json.RawMessage
	var keys []string
	if err := sdk.Decode(args, &object, &keys); err != nil {
		return nil, errors.New("pick: the first argument must be a JSON object")
	}
	out := make(map[string]json.RawMessage, len(keys))
	for _, k := range keys {
		if v, ok := object[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

func main() {}
