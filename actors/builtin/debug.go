package builtin

import "github.com/aquanet/aquanet/interpreter/value"

// The debug service, as nox implements it (particle-builtins/src/builtins.rs, stringify):
// stringify of no argument is the text "<empty argument list>", of one argument its compact
// JSON, of several the compact JSON of the array of them; never an error.
func init() {
	register("debug", map[string]Func{
		"stringify": func(args []value.Value) (value.Value, error) {
			switch len(args) {
			case 0:
				return value.String("<empty argument list>"), nil
			case 1:
				return value.String(args[0].String()), nil
			}
			return value.String(value.Array(args...).String()), nil
		},
	})
}
