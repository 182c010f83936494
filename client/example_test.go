package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aquanet/aquanet/client"
	"github.com/aquanet/aquanet/interpreter/value"
)

// A Go program calls a node: it dials the node as its relay, runs a script that has the relay
// concatenate two strings, and gets the answer back through callbackSrv.response.
func Example() {
	relay, err := startRelay() // a node on 127.0.0.1, as "aquanet node" runs one
	if err != nil {
		log.Fatal(err)
	}
	defer relay.stop()

	ctx := context.Background()
	c, err := client.Dial(ctx, relay.Addr) // /ip4/127.0.0.1/tcp/.../p2p/12D3KooW...
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	res, err := c.Run(ctx, `
	  (seq
	    (seq (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
	         (call %init_peer_id% ("getDataSrv" "name") [] name))
	    (seq (call -relay- ("op" "concat_strings") ["hello, " name] greeting)
	         (call %init_peer_id% ("callbackSrv" "response") [greeting])))`,
		map[string]value.Value{"name": value.String("alice")})
	if err != nil {
		log.Fatal(err)
	}
	answer, _ := res.Response()
	fmt.Println(answer[0])
	// Output: "hello, alice"
}
