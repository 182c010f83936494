package particles

import (
	"github.com/aquanet/aquanet/core"
	"github.com/aquanet/aquanet/interpreter"
	"github.com/aquanet/aquanet/interpreter/data"
)

// journal follows what the runs of a machine changed in its data since it was last saved, so
// that a save costs what they added (a journal entry, data.AppendJournal) rather than the whole
// data: a fold of thousands of calls to a service that is not pure saves before every call.
type journal struct {
	ok    bool              // every run since the last save went on from a pause
	from  int               // the trace is as saved up to here
	added []*data.Additions // the keys the runs added to the stores
	seq   uint32            // journal entries saved since the data was saved whole
	bytes int               // their size
	whole int               // the size of the data saved whole last
	// pending is how many entries the last write of the data whole dropped, until it is
	// known done (SaveFailed).
	pending uint32
}

// maxJournal bounds the entries between two saves of the data whole.
const maxJournal = 1 << 16

// ran notes a run that left data (out.Decoded), of a trace that held before states before it
// (-1: the data was not kept decoded).
func (j *journal) ran(out interpreter.Outcome, before int) {
	if !out.Resumed || before < 1 {
		j.ok = false
		return
	}
	j.from = min(j.from, before-1) // the paused call's state is answered now
	j.added = append(j.added, out.Added)
}

// saved starts following from the data d as saved.
func (j *journal) saved(d *data.Data) {
	j.ok, j.added = d != nil, nil
	if d != nil {
		j.from = len(d.Trace)
	}
}

// ForSave returns the write that saves the data as it is now (core.Store.Write): a journal
// entry of what the runs since the last save changed, when every one of them went on from a
// pause and the entries since the data was last saved whole stay smaller than it; the data
// whole otherwise (dropping those entries). The data counts as saved from then on; if the
// write fails, call SaveFailed.
func (m *Machine) ForSave(merged []core.DataHash, durably bool) core.Write {
	j := &m.journal
	if j.ok && m.decoded != nil && j.seq < maxJournal {
		e := data.AppendJournal(nil, m.decoded, j.from, j.added)
		if j.bytes+len(e) <= j.whole {
			j.seq++
			j.bytes += len(e)
			j.saved(m.decoded)
			return core.Write{Entry: e, Seq: j.seq, Merged: merged, Durably: durably}
		}
	}
	return m.ForSaveWhole(merged, durably)
}

// ForSaveWhole is ForSave of the data whole: what a particle whose actor ends for now leaves,
// so that it comes back from the data alone.
func (m *Machine) ForSaveWhole(merged []core.DataHash, durably bool) core.Write {
	j := &m.journal
	w := core.Write{Data: m.Data(), Seq: j.seq, Merged: merged, Durably: durably}
	j.pending, j.seq, j.bytes, j.whole = j.seq, 0, 0, len(w.Data)
	j.saved(m.decoded)
	return w
}

// SaveFailed says the last write of ForSave did not happen: the next save is of the data whole,
// and drops every entry that may be there.
func (m *Machine) SaveFailed() {
	j := &m.journal
	j.ok, j.seq = false, max(j.seq, j.pending)
}
