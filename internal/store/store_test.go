package store

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

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

// Two databases sharing one block cache, with memtables small enough that their data is in
// tables read through it, each read their own values under the same keys: the cache keys blocks
// by database and file, so sharing it shares no data.
func TestSharedCacheKeepsDatabasesApart(t *testing.T) {
	cache := pebble.NewCache(1 << 20)
	defer cache.Unref()
	dbs := make([]*pebble.DB, 2)
	for i := range dbs {
		db, err := Open(Options{Dir: "node", FS: vfs.NewMem(), Cache: cache, MemTableSize: 64 << 10})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	value := func(db, k int) []byte { return []byte(strings.Repeat(string(rune('a'+db)), 100) + string(rune(k))) }
	const keys = 2000 // 200 KB each: more than three memtables
	for i, db := range dbs {
		for k := range keys {
			if err := db.Set([]byte{ParticleData, byte(k >> 8), byte(k)}, value(i, k), pebble.NoSync); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
		if flushes := db.Metrics().Flush.Count; flushes < 3 {
			t.Errorf("database %d: %d flushes of 200 KB, want at least 3 with 64 KB memtables", i, flushes)
		}
	}
	for i, db := range dbs {
		for k := range keys {
			v, closer, err := db.Get([]byte{ParticleData, byte(k >> 8), byte(k)})
			if err != nil {
				t.Fatal(err)
			}
			if string(v) != string(value(i, k)) {
				t.Fatalf("database %d, key %d: read %q", i, k, v)
			}
			closer.Close()
		}
	}
	if hits := cache.Metrics().Hits; hits == 0 {
		t.Error("no read went through the shared cache")
	}
}

// Without pebble's compaction ticker a database still compacts: flushes past the L0 threshold
// ask for a compaction, which is granted then.
func TestNoCompactionTickerStillCompacts(t *testing.T) {
	db, err := Open(Options{Dir: "node", FS: vfs.NewMem(), MemTableSize: 64 << 10, NoCompactionTicker: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for flush := range 8 {
		for k := range 100 {
			if err := db.Set([]byte{ParticleData, byte(k)}, []byte(strings.Repeat("v", 100+flush)), pebble.NoSync); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); db.Metrics().Compact.Count == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no compaction after 8 flushes: %d tables in L0", db.Metrics().Levels[0].TablesCount)
		}
	}
}

// A database without a write-ahead log refuses pebble.Sync, takes Sync(db), and keeps what it
// was given while it is open; a database with a log gets pebble.Sync.
func TestSyncOnADatabaseWithoutALog(t *testing.T) {
	db, err := Open(Options{NoWAL: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := []byte{ParticleData, 1}
	if err := db.Set(key, []byte("x"), pebble.Sync); err == nil {
		t.Fatal("pebble synced a write to a database without a log: Sync(db) is not needed")
	}
	if err := db.Set(key, []byte("kept"), Sync(db)); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	v, closer, err := db.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if string(v) != "kept" {
		t.Fatalf("read %q", v)
	}

	logged, err := Open(Options{FS: vfs.NewMem()}) // a filesystem it could be opened on again
	if err != nil {
		t.Fatal(err)
	}
	defer logged.Close()
	if Sync(logged) != pebble.Sync {
		t.Fatal("a database with a log is not synced")
	}
	private, err := Open(Options{}) // a memory of its own, which nothing opens again
	if err != nil {
		t.Fatal(err)
	}
	defer private.Close()
	if Sync(private) != pebble.NoSync {
		t.Fatal("a database in a memory of its own keeps a log no one can read")
	}
}

// A database without a log leaves no trace in the package once it is gone.
func TestWithoutALogForgottenWithTheDatabase(t *testing.T) {
	count := func() (n int) {
		walless.Range(func(any, any) bool { n++; return true })
		return n
	}
	before := count()
	db, err := Open(Options{NoWAL: true})
	if err != nil {
		t.Fatal(err)
	}
	if count() != before+1 {
		t.Fatalf("%d databases without a log known, want %d", count(), before+1)
	}
	db.Close()
	db = nil
	deadline := time.Now().Add(10 * time.Second)
	for count() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d databases without a log known after the one opened was collected, want %d", count(), before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// Every durable write outside this package goes through Sync: pebble.Sync written anywhere else
// fails on a node whose database has no log (the simulator's).
func TestDurableWritesUseSync(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == filepath.Join(root, "internal", "store") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Sync" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "pebble" {
				t.Errorf("%s: pebble.Sync: write with store.Sync(db), which a database without a log accepts", fset.Position(sel.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
