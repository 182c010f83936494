package jsonabi

import (
	"strings"
	"testing"

	"github.com/aquanet/aquanet/interpreter/value"
)

func TestParseEnvelope(t *testing.T) {
	for _, tc := range []struct {
		text   string
		ok     string // the value, for an ok envelope
		errMsg string // the message, for an error envelope
	}{
		{text: `{"ok":null}`, ok: `null`},
		{text: ` {"ok" : [1, {"a":"b"}]} `, ok: `[1,{"a":"b"}]`},
		{text: `{"error":"boom \u00e9"}`, errMsg: "boom é"},
		{text: `{"ok":1,"ok":2}`, ok: `2`}, // serde_json's rule: the last wins
	} {
		env, err := parseEnvelope([]byte(tc.text))
		switch {
		case err != nil:
			t.Errorf("parseEnvelope(%s): %v", tc.text, err)
		case tc.errMsg != "" && (!env.Failed || env.ErrorMsg != tc.errMsg):
			t.Errorf("parseEnvelope(%s) = %+v, want the error %q", tc.text, env, tc.errMsg)
		case tc.errMsg == "" && (env.Failed || env.OK.String() != tc.ok):
			t.Errorf("parseEnvelope(%s) = %+v, want ok %s", tc.text, env, tc.ok)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{``, "not JSON"},
		{`{"ok":1} x`, "not JSON"},
		{`{"ok":1,"error":"x"}`, "an object"},
		{`{}`, "an object"},
		{`["ok",1]`, "an array of 2"},
		{`{"error":1}`, `"error" is the number 1, not a string`},
		{`{"result":1}`, `field "result"`},
		{`{"ok":"` + strings.Repeat("x", MaxEnvelopeBytes) + `"}`, "exceeds the limit"},
	} {
		if env, err := parseEnvelope([]byte(tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseEnvelope(%.40s) = %+v, %v; want an error with %q", tc.text, env, err, tc.want)
		}
	}
}

// FuzzEnvelope feeds the host's reader of call results arbitrary guest output. It must not
// panic; what it accepts is one of the two envelopes, agreeing with a plain JSON reading.
func FuzzEnvelope(f *testing.F) {
	for _, seed := range []string{
		`{"ok":"Hi, Ann!"}`, `{"ok":{"a":[1,2.5,-3,true,null]}}`, `{"error":"no key \"x\""}`,
		`{"ok":1,"error":"x"}`, `{"error":{"message":"x"}}`, `{"ok"}`, `{"ok":1}}`, `"ok"`,
		`{"ok":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}`, `{"ok":"\ud800"}`, `{"ok":1e400}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := parseEnvelope(data)
		if err != nil {
			return
		}
		v, err := value.Parse(data, value.Limits{})
		if err != nil || v.Kind() != value.KindObject || v.Len() != 1 {
			t.Fatalf("accepted %q, which is not a one-field object (%v)", data, err)
		}
		key, field := v.Field(0)
		if env.Failed {
			if msg, _ := field.Str(); key != "error" || msg != env.ErrorMsg {
				t.Fatalf("accepted %q as the error %q", data, env.ErrorMsg)
			}
			// The host's own error envelopes read back as they were made.
			if again, err := parseEnvelope(errorEnvelope(env.ErrorMsg)); err != nil || again.ErrorMsg != env.ErrorMsg {
				t.Fatalf("errorEnvelope(%q) reads back as %+v, %v", env.ErrorMsg, again, err)
			}
			return
		}
		if key != "ok" || !value.Equal(field, env.OK) {
			t.Fatalf("accepted %q as ok %s", data, env.OK)
		}
	})
}
