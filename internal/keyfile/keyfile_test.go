package keyfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquanet/aquanet/internal/rng"
	"github.com/libp2p/go-libp2p/core/crypto"
)

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	key, err := Generate(rng.Reader(rng.New(1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(path, key, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(key) {
		t.Fatal("read a different key than was written")
	}
}

func TestWriteRefusesToOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	first, _ := Generate(rng.Reader(rng.New(1)))
	second, _ := Generate(rng.Reader(rng.New(2)))
	if err := Write(path, first, false); err != nil {
		t.Fatal(err)
	}
	err := Write(path, second, false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Write = %v, want ErrExists naming the file", err)
	}
	if got, _ := Read(path); !got.Equals(first) {
		t.Fatal("refused Write still changed the file")
	}
	if err := Write(path, second, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := Read(path); !got.Equals(second) {
		t.Fatal("Write with overwrite kept the old key")
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("overwritten key file mode %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("overwrite left temporary files behind: %v", entries)
	}
}

func TestReadRejects(t *testing.T) {
	dir := t.TempDir()
	rsa, _, err := crypto.GenerateRSAKeyPair(2048, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaBytes, err := crypto.MarshalPrivateKey(rsa)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := Generate(rng.Reader(rng.New(3)))
	goodBytes, _ := Marshal(good)
	cases := map[string]struct {
		content []byte
		msg     string
	}{
		"empty":     {nil, "empty file"},
		"text":      {[]byte("hello, I am not a key\n"), "not a libp2p private key"},
		"huge":      {bytes.Repeat([]byte{1}, MaxSize+1), "too large"},
		"rsa":       {rsaBytes, "key type RSA"},
		"truncated": {goodBytes[:len(goodBytes)-1], "not a libp2p private key"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Read(path)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("Read = %v, want an error starting with the path and mentioning %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Read of a missing file = %v", err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Read of a directory = %v", err)
	}
}

func TestMarshalRefusesOtherKeyTypes(t *testing.T) {
	k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(t.TempDir(), "k"), k, false); err == nil || !strings.Contains(err.Error(), "Ed25519") {
		t.Fatalf("Write of a secp256k1 key = %v", err)
	}
}

// FuzzParse: any bytes give a key or an error, never a panic.
func FuzzParse(f *testing.F) {
	good, _ := Generate(rng.Reader(rng.New(4)))
	b, _ := Marshal(good)
	f.Add(b)
	f.Add(b[:10])
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x01, 0x12, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := Parse(bytes.NewReader(data))
		if (key == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v: want exactly one of key and error", key, err)
		}
		if key != nil {
			if _, err := Marshal(key); err != nil {
				t.Fatalf("parsed key does not marshal: %v", err)
			}
		}
	})
}
