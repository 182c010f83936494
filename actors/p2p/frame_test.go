package p2p

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
)

func TestFramesRoundTrip(t *testing.T) {
	var stream []byte
	payloads := [][]byte{{}, []byte("a"), bytes.Repeat([]byte("x"), 300), bytes.Repeat([]byte("y"), 70_000)}
	for _, p := range payloads {
		stream = appendFrame(stream, p)
	}
	r := bufio.NewReader(bytes.NewReader(stream))
	var buf []byte
	for i, want := range payloads {
		got, err := readFrame(r, 1<<20, buf)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
		buf = got
	}
	if _, err := readFrame(r, 1<<20, buf); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestBadFrames(t *testing.T) {
	for name, tc := range map[string]struct {
		stream []byte
		max    int
		want   error
	}{
		"over the limit":        {appendFrame(nil, make([]byte, 101)), 100, ErrFrameTooLarge},
		"huge declared length":  {[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1 << 20, ErrFrameTooLarge},
		"endless length":        {[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 1 << 20, ErrFrameTooLarge},
		"cut in the length":     {[]byte{0x80}, 100, io.ErrUnexpectedEOF},
		"cut in the payload":    {appendFrame(nil, []byte("hello"))[:4], 100, io.ErrUnexpectedEOF},
		"length, then nothing":  {[]byte{5}, 100, io.ErrUnexpectedEOF},
		"exactly at the limit ": {appendFrame(nil, make([]byte, 100)), 100, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readFrame(bufio.NewReader(bytes.NewReader(tc.stream)), tc.max, nil)
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

// The declared length is checked before anything is allocated for it.
func TestHugeDeclaredLengthAllocatesNothing(t *testing.T) {
	stream := []byte{0xff, 0xff, 0xff, 0xff, 0x07} // about 2 GiB
	r := bufio.NewReaderSize(bytes.NewReader(stream), 16)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readFrame(r, 1<<20, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1024 {
		t.Fatalf("%d bytes allocated for a frame that is refused", n)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, []byte("particle")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := bufio.NewReader(bytes.NewReader(stream))
		var frames [][]byte
		for range 100 {
			p, err := readFrame(r, 4096, nil)
			if err != nil {
				break
			}
			if len(p) > 4096 {
				t.Fatalf("a %d-byte frame passed a 4096-byte limit", len(p))
			}
			frames = append(frames, p)
		}
		// What was read, written again, reads back the same (lengths may have been written
		// with more bytes than needed: they are read all the same).
		var out []byte
		for _, p := range frames {
			out = appendFrame(out, p)
		}
		r = bufio.NewReader(bytes.NewReader(out))
		for i, want := range frames {
			got, err := readFrame(r, 4096, nil)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("frame %d does not read back: %v", i, err)
			}
		}
	})
}
