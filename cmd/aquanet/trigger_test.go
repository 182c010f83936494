package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// helloScript answers an HTTP trigger's request with a greeting of its argument name.
const helloScript = `(seq (call %init_peer_id% ("getDataSrv" "name") [] name)
  (seq (call %init_peer_id% ("op" "concat_strings") ["hello, " name] greeting)
       (call %init_peer_id% ("callbackSrv" "response") [greeting])))`

// An HTTP trigger installed with "aquanet trigger add --route" answers a POST to its route
// with its script's response, its arguments overlaid by the request's; a request without the
// token, to an unknown route, with a body too large or not an object, or over the route's rate
// gets a clear error and runs nothing. A timer trigger runs its times and is listed as done.
func TestTriggersOnANodeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	node := startNode(t, "triggers", "--http-triggers", "--http-trigger-token", "s3cret", "--http-trigger-rate", "5")
	relay := node.tcpAddr(t)
	key, owner := keyPair(t, t.TempDir(), "owner")
	code, id, errOut := aquanet(t, "", "trigger", "add", "--relay", relay, "--key", key, "--route", "hello", "--arg", `name="world"`, "-e", helloScript)
	if code != 0 {
		t.Fatalf("trigger add: %s", errOut)
	}
	id = strings.TrimSpace(id)
	if code, _, errOut := aquanet(t, "", "trigger", "add", "--relay", relay, "--route", "x", "-e", "(null)"); code == 0 || !strings.Contains(errOut, "needs --key FILE") {
		t.Errorf("trigger add without --key: exit %d %s", code, errOut)
	}
	base := strings.TrimSuffix(node.metrics, "/metrics") + "/run/"
	post := func(route, token, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("POST", base+route, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if code, body := post("hello", "s3cret", `{"name": "alice"}`); code != 200 || body != `"hello, alice"` {
		t.Fatalf("POST /run/hello: %d %s", code, body)
	}
	for _, tc := range []struct {
		route, token, body string
		code               int
		want               string
	}{
		{"hello", "", "{}", 401, "bearer token"},
		{"hello", "wrong", "{}", 401, "bearer token"},
		{"nope", "s3cret", "{}", 404, `route \"nope\": no trigger has this route`},
		{"hello", "s3cret", `[1]`, 400, "must be a JSON object"},
		{"hello", "s3cret", `{"name": `, 400, "not JSON"},
		{"hello", "s3cret", `"` + strings.Repeat("a", 70_000) + `"`, 413, "over the limit of 65536 bytes"},
	} {
		if code, body := post(tc.route, tc.token, tc.body); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("POST /run/%s with token %q: %d %s, want %d saying %q", tc.route, tc.token, code, body, tc.code, tc.want)
		}
	}
	// A rate of 5 a second, in bursts of 10: some of 20 requests at once are refused.
	codes := map[int]int{}
	for range 20 {
		code, _ := post("hello", "s3cret", "")
		codes[code]++
	}
	if codes[429] == 0 {
		t.Errorf("20 requests at once at a rate of 5/s: %v, want some 429", codes)
	}

	code, _, errOut = aquanet(t, "", "trigger", "add", "--relay", relay, "--key", key, "--every", "1s", "--times", "2",
		"-e", `(call %init_peer_id% ("spell" "list_push_string") ["ticks" "tick"] r)`)
	if code != 0 {
		t.Fatalf("trigger add --every: %s", errOut)
	}
	var list string
	waitFor(t, "the timer trigger's two runs", func() bool {
		_, list, _ = aquanet(t, "", "trigger", "list", "--relay", relay)
		return strings.Contains(list, "every 1s, 2 of 2 runs, done")
	})
	if !strings.Contains(list, id+"  owner "+owner+"  POST /run/hello, ") {
		t.Errorf("trigger list: %s", list)
	}
	if code, _, errOut := aquanet(t, "", "trigger", "remove", id, "--relay", relay); code == 0 || !strings.Contains(errOut, "only its owner") {
		t.Errorf("a stranger removed the trigger: exit %d %s", code, errOut)
	}
	if code, _, errOut := aquanet(t, "", "trigger", "remove", id, "--relay", relay, "--key", key); code != 0 {
		t.Fatalf("trigger remove: %s", errOut)
	}
	if code, body := post("hello", "s3cret", "{}"); code != 404 {
		t.Errorf("POST /run/hello after the trigger's removal: %d %s", code, body)
	}
}
