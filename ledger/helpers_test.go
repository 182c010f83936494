package ledger

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// disk is a real pebble database on an in-memory filesystem that can be closed and opened
// again, as a node restarts.
type disk struct {
	fs vfs.FS
	db *pebble.DB
}

func newDisk(t testing.TB) *disk {
	d := &disk{fs: vfs.NewMem()}
	d.open(t)
	t.Cleanup(func() {
		if d.db != nil {
			d.db.Close()
		}
	})
	return d
}

func (d *disk) open(t testing.TB) {
	db, err := pebble.Open("ledger", &pebble.Options{FS: d.fs, Logger: quiet{t}})
	if err != nil {
		t.Fatal(err)
	}
	d.db = db
}

// reopen closes the database and opens it again: what survives is what was written.
func (d *disk) reopen(t testing.TB) {
	if err := d.db.Close(); err != nil {
		t.Fatal(err)
	}
	d.open(t)
}

// state opens the ledger's state in d.
func (d *disk) state(t testing.TB) *State {
	s, err := NewState(NewPebbleStore(d.db))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// quiet drops pebble's chatter (WAL replays) and fails the test on its errors.
type quiet struct{ t testing.TB }

func (quiet) Infof(string, ...any)                {}
func (q quiet) Errorf(format string, args ...any) { q.t.Errorf("pebble: "+format, args...) }
func (q quiet) Fatalf(format string, args ...any) { q.t.Fatalf("pebble: "+format, args...) }
