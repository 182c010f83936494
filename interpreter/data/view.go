package data

import (
	"encoding/json"

	"github.com/mr-tron/base58"
)

// View renders d as the reference's human-readable data (AquaVM's to_human_readable_data):
// {"data": {"cid_info": ..., "lcid": N, "signatures": ..., "trace": [...]}, "versions": ...}.
// Object keys are sorted, so the bytes are deterministic and comparable with the reference's.
func (d *Data) View() ([]byte, error) {
	return json.Marshal(d.viewTree())
}

type obj = map[string]any

func (d *Data) viewTree() obj {
	values := obj{}
	for c, text := range d.Stores.Values {
		values[c.String()] = string(text)
	}
	tetraplets := obj{}
	for c, t := range d.Stores.Tetraplets {
		tetraplets[c.String()] = obj{"peer_pk": t.PeerPK, "service_id": t.ServiceID, "function_name": t.FunctionName, "lens": t.Lens}
	}
	elements := obj{}
	for c, e := range d.Stores.CanonElements {
		prov := obj{"type": provenanceNames[e.Provenance]}
		if e.Provenance != FromLiteral {
			prov["cid"] = e.ProvenanceCID
		}
		elements[c.String()] = obj{"value": e.Value, "tetraplet": e.Tetraplet, "provenance": prov}
	}
	results := obj{}
	for c, r := range d.Stores.CanonResults {
		vals := make([]CID, len(r.Values))
		copy(vals, r.Values)
		results[c.String()] = obj{"tetraplet": r.Tetraplet, "values": vals}
	}
	services := obj{}
	for c, r := range d.Stores.ServiceResults {
		services[c.String()] = obj{"value_cid": r.Value, "argument_hash": r.ArgumentHash, "tetraplet_cid": r.Tetraplet}
	}
	sigs := obj{}
	for pk, sig := range d.Signatures {
		sigs[base58.Encode(append([]byte{0}, pk...))] = base58.Encode(append([]byte{0}, sig...))
	}
	trace := make([]any, len(d.Trace))
	for i, s := range d.Trace {
		trace[i] = stateView(s)
	}
	return obj{
		"data": obj{
			"cid_info": obj{
				"value_store": values, "tetraplet_store": tetraplets, "canon_element_store": elements,
				"canon_result_store": results, "service_result_store": services,
			},
			"lcid":       d.LastCallID,
			"signatures": sigs,
			"trace":      trace,
		},
		"versions": obj{"interpreter_version": ReferenceInterpreterVersion, "version": ReferenceDataVersion},
	}
}

func stateView(s State) any {
	switch s := s.(type) {
	case ParState:
		return obj{"par": []uint32{s.Left, s.Right}}
	case CallState:
		switch s.Kind {
		case CallSentBy:
			if s.HasCallID {
				return obj{"call": obj{"sent_by": obj{"PeerIdWithCallId": obj{"peer_id": s.Peer, "call_id": s.CallID}}}}
			}
			return obj{"call": obj{"sent_by": obj{"PeerId": s.Peer}}}
		case CallFailed:
			return obj{"call": obj{"failed": s.CID}}
		}
		switch s.Value {
		case ScalarValue:
			return obj{"call": obj{"executed": obj{"scalar": s.CID}}}
		case StreamValue:
			return obj{"call": obj{"executed": obj{"stream": obj{"cid": s.CID, "generation": s.Generation}}}}
		}
		return obj{"call": obj{"executed": obj{"unused": s.CID}}}
	case FoldState:
		lore := make([]any, len(s.Lore))
		for i, l := range s.Lore {
			lore[i] = obj{"pos": l.ValuePos, "desc": []any{
				obj{"pos": l.Before.Pos, "len": l.Before.Len},
				obj{"pos": l.After.Pos, "len": l.After.Len},
			}}
		}
		return obj{"fold": obj{"lore": lore}}
	case ApState:
		gens := s.Gens
		if gens == nil {
			gens = []uint32{}
		}
		return obj{"ap": obj{"gens": gens}}
	case CanonState:
		if s.Executed {
			return obj{"canon": obj{"executed": s.CID}}
		}
		return obj{"canon": obj{"sent_by": s.SentBy}}
	}
	return nil
}
