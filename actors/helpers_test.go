package actors

import "testing"

// startNode builds a node from env and starts it, failing the test if either step fails.
func startNode(t testing.TB, env Env) *Node {
	t.Helper()
	n, err := NewNode(env)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	return n
}
