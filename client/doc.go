// Package client is aquanet's client library, the Go counterpart of Fluence's js-client: a
// peer that listens nowhere, connects to one node (its relay), starts particles with AIR
// scripts and runs the scripts' client-side parts itself. "aquanet run" is built on it.
//
// A program dials a relay, then runs scripts through it:
//
//	c, err := client.Dial(ctx, "/ip4/127.0.0.1/tcp/7770/p2p/12D3KooW...")
//	if err != nil {
//		return err
//	}
//	defer c.Close()
//	res, err := c.Run(ctx, script, map[string]value.Value{"name": value.String("alice")})
//	if err != nil {
//		return err // a *RunError, which names the particle
//	}
//	answer, _ := res.Response() // the arguments of callbackSrv.response
//
// # Routing
//
// The client signs each particle with its key (an ephemeral one unless WithKey gives one), so
// its peer id is the particle's init peer, %init_peer_id% in the script. Every particle goes to
// the relay, whatever peer the script names next, unless the client is connected to that peer
// itself: the relay runs the script up to the same point and forwards the particle on, and
// particles for the client come back over the client's own connection to the relay. The way
// back passes through the relay too: a call on %init_peer_id% after calls on other peers needs
// a call on -relay- just before it (Aqua compiles such hops in), for only the relay can reach
// the client.
//
// # Services
//
// The parts of the script on %init_peer_id% run in the client, against these services:
//
//   - getDataSrv.NAME: the run's argument NAME; getDataSrv.-relay- is the relay's peer id.
//   - callbackSrv.F and return.F: each call is an Event, answered with null; the first call to
//     callbackSrv.response or return is the Result's Response (what an Aqua function returns).
//   - errorHandlingSrv.F: an Event with Error set; the run then fails with ErrScriptFailed.
//   - op, math, cmp, array, json, debug: the node's pure builtins (package actors/builtin).
//   - any service given to Serve, which takes precedence over all of the above.
//
// A served handler has the shape of a node's Go service (service.Handler, as actors.Node.Spawn
// takes it), so one handler can serve on a node and in a client alike.
//
// # Ending a run
//
// Run returns when the script has run to its end on the client, when its TTL ends
// (ErrExpired), when its context is done, or on an interpreter or transport error. Every error
// of a started run is a *RunError carrying the particle's id: the nodes' logs and metrics name
// particles by it.
//
// A run does not wait for what cannot come. When the connection to the relay closes, the
// client dials the relay again at once; the runs in flight end with a *RelayLostError if that
// fails, and go on if it succeeds (OnNotice hears of it: what the relay held of their
// particles may be lost). A particle the transport could not send after Run sent it (the
// dial or the write failed) ends its run with an *UndeliveredError, and one that grew too
// large for the relay to send back (its data only grows) with a *GrownTooLargeError.
//
// # Concurrency
//
// A Client is safe for concurrent use: several Runs may be in flight at once, each with its
// own particle. The client starts one goroutine of its own, for the dial after its relay's
// connection closed; the transport's goroutines hand arriving particles to their Run, and each
// Run's goroutine runs the interpreter and the services. Close stops the transport and waits
// for its goroutines and that dial.
package client
