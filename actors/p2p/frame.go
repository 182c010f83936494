package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A frame on a particle stream is an unsigned varint length followed by that many bytes: one
// encoded particle (particle.Encode).
//
// The declared length is a claim, not a promise: a frame's buffer grows with the bytes that
// actually arrive, never ahead of them, and each step is charged to a frameMemory first. A
// stream that declares the largest frame and sends nothing costs no buffer at all.

// ErrFrameTooLarge is the error of a frame whose declared length is over the limit; nothing of
// it has been read or allocated.
var ErrFrameTooLarge = errors.New("frame too large")

// maxVarintLen is the most bytes a frame's length may take: enough for any limit a node uses
// (5 bytes reach 32 GiB), few enough that garbage fails at once.
const maxVarintLen = 5

// firstChunk is the first buffer a frame gets once a byte of it has arrived (or the frame's
// length, if smaller); each later step doubles it. So a frame's buffer is never more than
// firstChunk or twice what has arrived, and a big frame costs a handful of copies.
const firstChunk = 4 << 10

// frameMemory is what a frame's buffer is charged to: reserve is asked before the buffer
// grows, and refuses with an error that names the limit hit; release gives back what is no
// longer held.
type frameMemory interface {
	reserve(n int) error
	release(n int)
}

// appendFrame appends the frame of payload to dst.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...)
}

// readFrame reads one frame of at most limit bytes (readLength, then readBody). The payload's
// capacity stays reserved in mem (if not nil) until the caller releases it.
func readFrame(r *bufio.Reader, limit int, mem frameMemory) ([]byte, error) {
	n, err := readLength(r, limit)
	if err != nil {
		return nil, err
	}
	return readBody(r, n, mem)
}

// readLength reads a frame's length and checks it against limit before anything is allocated.
// At a clean end of the stream it returns io.EOF; a stream that ends inside the length is
// io.ErrUnexpectedEOF.
func readLength(r *bufio.Reader, limit int) (int, error) {
	var n uint64
	for i := 0; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if i == maxVarintLen-1 && b >= 0x80 {
			return 0, fmt.Errorf("%w: frame length takes more than %d bytes", ErrFrameTooLarge, maxVarintLen)
		}
		n |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			break
		}
	}
	if n > uint64(limit) {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, limit)
	}
	return int(n), nil
}

// readBody reads the n bytes of a frame's payload. The buffer grows only once a byte beyond it
// has arrived, each step reserved in mem (if not nil) before it is allocated; on an error
// everything reserved is released. A stream that ends inside the payload is
// io.ErrUnexpectedEOF.
func readBody(r *bufio.Reader, n int, mem frameMemory) (buf []byte, err error) {
	defer func() {
		if err != nil && mem != nil {
			mem.release(cap(buf))
		}
	}()
	for len(buf) < n {
		if len(buf) == cap(buf) {
			if _, err := r.Peek(1); err != nil {
				return buf, unexpected(err)
			}
			size := min(n, max(firstChunk, 2*cap(buf)))
			if mem != nil {
				if err := mem.reserve(size); err != nil {
					return buf, err
				}
			}
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			if mem != nil {
				mem.release(cap(buf))
			}
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil && len(buf) < n {
			return buf, unexpected(err)
		}
	}
	return buf, nil
}

// unexpected turns the end of a stream inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
