// Package chat holds the paper's messenger ("Composition example") in AIR, the one script
// the actor runtime's end-to-end test and the simulator's built-in workload both run.
//
// The services it calls: on the sender, load.relay, load.chat_id, load.message and
// load.expected (how many other members must get the message); on the relay,
// app.resolve_backend(chat_id) -> {members, members_peer, history, history_peer}; on the
// backend's peers, <members>.is_member(peer), <members>.list() and <history>.add(from,
// message); on each member, chat.message(from, message); and back on the sender,
// chat.delivered(count) or chat.error(why).
package chat

// Script is the paper's chat for any number of members: the sender loads its
// arguments, asks the relay's app for the chat's backend, checks that it is a member, stores
// the message in the history and delivers it to every other member in parallel; when the
// expected number of deliveries is back (the fold + canon + match join) it reports
// chat.delivered with their count. A non-member gets chat.error instead.
const Script = `
(seq
  (seq
    (seq (call %init_peer_id% ("load" "relay") [] relay)
         (call %init_peer_id% ("load" "chat_id") [] chat_id))
    (seq (call %init_peer_id% ("load" "message") [] message)
         (call %init_peer_id% ("load" "expected") [] expected)))
  (seq
    (call relay ("app" "resolve_backend") [chat_id] backend)
    (seq
      (call backend.$.members_peer (backend.$.members "is_member") [%init_peer_id%] is_member)
      (xor
        (match is_member true
          (seq
            (seq
              (call backend.$.history_peer (backend.$.history "add") [%init_peer_id% message])
              (call backend.$.members_peer (backend.$.members "list") [] peers))
            (seq
              (fold peers p
                (par
                  (xor
                    (mismatch p %init_peer_id%
                      (call p ("chat" "message") [%init_peer_id% message] $acc))
                    (null))
                  (next p)))
              (seq
                (new $inc
                  (fold $acc r
                    (seq
                      (seq (ap r $inc) (canon %init_peer_id% $inc #inc))
                      (xor (match #inc.length expected (null)) (next r)))
                    (never)))
                (seq
                  (canon %init_peer_id% $acc #acc)
                  (call %init_peer_id% ("chat" "delivered") [#acc.length]))))))
        (call %init_peer_id% ("chat" "error") ["Cannot send a message to the chat"])))))
`

// DHTScript is the chat whose members are found through the DHT instead of an app's list: the
// members provide the room's key (an owned challenge: a certificate from the room's owner is
// what makes a member), and the sender asks its relay for the key's providers (dht.get_providers),
// delivers the message to every other one in parallel, and reports chat.delivered with the count
// once all have it. Its arguments: load.relay, load.room (the key, base58), load.message. A peer
// without a certificate cannot provide the key, so no message reaches it.
const DHTScript = `
(seq
  (seq
    (seq (call %init_peer_id% ("load" "relay") [] relay)
         (call %init_peer_id% ("load" "room") [] room))
    (call %init_peer_id% ("load" "message") [] message))
  (seq
    (call relay ("dht" "get_providers") [room] members)
    (seq
      (seq
        (fold members m
          (seq
            (xor
              (mismatch m.$.peer_id %init_peer_id% (ap m.$.peer_id $others))
              (null))
            (next m)))
        (canon %init_peer_id% $others #others))
      (seq
        (fold #others p
          (par
            (call p ("chat" "message") [%init_peer_id% message] $acc)
            (next p)))
        (seq
          (new $inc
            (fold $acc r
              (seq
                (seq (ap r $inc) (canon %init_peer_id% $inc #inc))
                (xor (match #inc.length #others.length (null)) (next r)))
              (never)))
          (seq
            (canon %init_peer_id% $acc #acc)
            (call %init_peer_id% ("chat" "delivered") [#acc.length])))))))
`
