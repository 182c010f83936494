package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Data written to a directory is there after a reopen.
func TestOpenKeepsDataAcrossReopen(t *testing.T) {
	fs := vfs.NewMem()
	db, err := Open(Options{Dir: "node", FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set([]byte{ParticleData, 1}, []byte("kept"), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(Options{Dir: "node", FS: fs}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, closer, err := db.Get([]byte{ParticleData, 1})
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if string(v) != "kept" {
		t.Fatalf("read %q", v)
	}
}

// Without a directory the database is in memory, and each one is new.
func TestOpenInMemory(t *testing.T) {
	for range 2 {
		db, err := Open(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Get([]byte{ParticleData, 1}); !errors.Is(err, pebble.ErrNotFound) {
			t.Fatalf("a new database has the key: %v", err)
		}
		if err := db.Set([]byte{ParticleData, 1}, nil, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
}

// A directory that cannot be made is an error naming it.
func TestOpenReportsTheDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(Options{Dir: filepath.Join(file, "db")})
	if err == nil {
		t.Fatal("opened a database under a file")
	}
	if want := filepath.Join(file, "db"); !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name %s", err, want)
	}
}
