package p2p

import (
	"bufio"
	"bytes"
	"encoding/binary"
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
	mem := &countingMemory{}
	for i, want := range payloads {
		got, err := readFrame(r, 1<<20, mem)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
		if mem.held != cap(got) || cap(got) > max(firstChunk, 2*len(want)) {
			t.Fatalf("frame %d of %d bytes: a buffer of %d bytes, %d reserved", i, len(want), cap(got), mem.held)
		}
		mem.release(cap(got))
	}
	if _, err := readFrame(r, 1<<20, mem); err != io.EOF {
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

// The declared length is checked before anything is allocated for it. The counter is the
// process's, which other tests' libp2p hosts may still be allocating on: the least of several
// tries is readFrame's own.
func TestHugeDeclaredLengthAllocatesNothing(t *testing.T) {
	least := ^uint64(0)
	for range 20 {
		stream := []byte{0xff, 0xff, 0xff, 0xff, 0x07} // about 2 GiB
		r := bufio.NewReaderSize(bytes.NewReader(stream), 16)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readFrame(r, 1<<20, nil)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err %v", err)
		}
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	if least > 1024 {
		t.Fatalf("%d bytes allocated for a frame that is refused", least)
	}
}

// countingMemory is a frameMemory that refuses to hold more than limit bytes (if set) and
// remembers the most it held.
type countingMemory struct{ held, peak, limit int }

var errTestMemory = errors.New("test memory limit")

func (m *countingMemory) reserve(n int) error {
	if m.limit > 0 && m.held+n > m.limit {
		return errTestMemory
	}
	m.held += n
	m.peak = max(m.peak, m.held)
	return nil
}

func (m *countingMemory) release(n int) { m.held -= n }

// A frame's buffer follows the bytes that arrive, not its declared length: a frame that
// declares 1 MiB and sends nothing, or a little, allocates and reserves nothing, or a chunk.
func TestFrameBufferGrowsWithWhatArrives(t *testing.T) {
	for _, sent := range []int{0, 1, 100, firstChunk, firstChunk + 1, 100_000} {
		stream := append(binary.AppendUvarint(nil, 1<<20), make([]byte, sent)...)
		var mem *countingMemory
		// TotalAlloc counts every goroutine's allocations (other tests' libp2p hosts may still
		// be winding down): the least of a few reads is this one's.
		allocated := ^uint64(0)
		for range 5 {
			r := bufio.NewReaderSize(bytes.NewReader(stream), 16)
			mem = &countingMemory{}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readFrame(r, 1<<20, mem)
			runtime.ReadMemStats(&after)
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("%d bytes sent of 1 MiB: err %v", sent, err)
			}
			allocated = min(allocated, after.TotalAlloc-before.TotalAlloc)
		}
		bound := 0
		if sent > 0 {
			bound = max(firstChunk, 2*sent)
		}
		if mem.peak > bound+bound/2 || mem.held != 0 {
			t.Errorf("%d bytes sent of 1 MiB: %d bytes reserved at most, %d still held; want at most %d, none held", sent, mem.peak, mem.held, bound+bound/2)
		}
		if n := allocated; n > uint64(2*bound)+1024 {
			t.Errorf("%d bytes sent of 1 MiB: %d bytes allocated", sent, n)
		}
	}
}

// A frame whose memory is refused fails with the refusal, holding nothing.
func TestFrameMemoryRefused(t *testing.T) {
	stream := appendFrame(nil, make([]byte, 20_000))
	mem := &countingMemory{limit: 16 << 10}
	_, err := readFrame(bufio.NewReader(bytes.NewReader(stream)), 1<<20, mem)
	if !errors.Is(err, errTestMemory) || mem.held != 0 {
		t.Fatalf("err %v, %d bytes still held", err, mem.held)
	}
	// With room for the buffer as it grows (twice the frame), it is read.
	mem = &countingMemory{limit: 40_000}
	if p, err := readFrame(bufio.NewReader(bytes.NewReader(stream)), 1<<20, mem); err != nil || len(p) != 20_000 {
		t.Fatalf("%d bytes, %v", len(p), err)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, []byte("particle")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := bufio.NewReader(bytes.NewReader(stream))
		var frames [][]byte
		mem := &countingMemory{}
		for range 100 {
			p, err := readFrame(r, 4096, mem)
			if err != nil {
				if mem.held != 0 {
					t.Fatalf("%d bytes still reserved after %v", mem.held, err)
				}
				break
			}
			if len(p) > 4096 {
				t.Fatalf("a %d-byte frame passed a 4096-byte limit", len(p))
			}
			if mem.held != cap(p) || cap(p) > max(firstChunk, 2*len(p)) {
				t.Fatalf("a %d-byte frame in a %d-byte buffer, %d bytes reserved", len(p), cap(p), mem.held)
			}
			mem.release(cap(p))
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
