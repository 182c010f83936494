// Package keyfile reads and writes a peer's private key: an ed25519 key in libp2p's own
// marshalling (crypto.MarshalPrivateKey, a small protobuf), stored in a file only its owner can
// read.
package keyfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
	pb "github.com/libp2p/go-libp2p/core/crypto/pb"
)

// MaxSize is the largest key file Read accepts. A marshalled ed25519 key is 68 bytes; the limit
// only keeps a wrong path (a log, a disk image) from being read into memory.
const MaxSize = 4 << 10

// Mode is the permission a key file is written with.
const Mode fs.FileMode = 0o600

// ErrExists is returned by Write when the file exists and overwriting was not asked for.
var ErrExists = errors.New("already exists")

// Generate makes a new ed25519 key from the randomness in r (crypto/rand.Reader in production).
func Generate(r io.Reader) (crypto.PrivKey, error) {
	key, _, err := crypto.GenerateEd25519Key(r)
	if err != nil {
		return nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return key, nil
}

// Write stores key at path with mode 0600. Without overwrite it fails with ErrExists when path
// exists; with overwrite it replaces the file atomically, so a crash leaves either the old key or
// the new one, never a torn file. The data is synced before Write returns.
func Write(path string, key crypto.PrivKey, overwrite bool) error {
	data, err := Marshal(key)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !overwrite {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, Mode)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w (use --force to overwrite it)", path, ErrExists)
		}
		if err != nil {
			return err // *PathError names the file
		}
		if err := writeSynced(f, data); err != nil {
			os.Remove(path)
			return fmt.Errorf("%s: %w", path, err)
		}
		return syncDir(filepath.Dir(path))
	}

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*") // created with mode 0600
	if err != nil {
		return err
	}
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return syncDir(dir)
}

func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Marshal returns key in libp2p's marshalling. Only ed25519 keys are accepted.
func Marshal(key crypto.PrivKey) ([]byte, error) {
	if key.Type() != pb.KeyType_Ed25519 {
		return nil, fmt.Errorf("key type %s: aquanet peers use Ed25519 keys", key.Type())
	}
	return crypto.MarshalPrivateKey(key)
}

// Read loads the key at path. Every error names the file and says what is wrong with it.
func Read(path string) (crypto.PrivKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError: "open PATH: no such file or directory"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a key file", path)
	}
	key, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// Parse reads a key from r, reading at most MaxSize+1 bytes.
func Parse(r io.Reader) (crypto.PrivKey, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	switch {
	case len(data) == 0:
		return nil, errors.New("empty file, not a key")
	case len(data) > MaxSize:
		return nil, fmt.Errorf("more than %d bytes, too large to be a key file", MaxSize)
	}
	key, err := crypto.UnmarshalPrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("not a libp2p private key: %w", err)
	}
	if key.Type() != pb.KeyType_Ed25519 {
		return nil, fmt.Errorf("key type %s: aquanet peers use Ed25519 keys", key.Type())
	}
	return key, nil
}
