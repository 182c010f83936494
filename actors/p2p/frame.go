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

// ErrFrameTooLarge is the error of a frame whose declared length is over the limit; nothing of
// it has been read or allocated.
var ErrFrameTooLarge = errors.New("frame too large")

// maxVarintLen is the most bytes a frame's length may take: enough for any limit a node uses
// (5 bytes reach 32 GiB), few enough that garbage fails at once.
const maxVarintLen = 5

// appendFrame appends the frame of payload to dst.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...)
}

// readFrame reads one frame of at most max bytes into buf (grown as needed) and returns its
// payload, which aliases buf. At a clean end of the stream it returns io.EOF; a stream that
// ends inside a frame is io.ErrUnexpectedEOF.
func readFrame(r *bufio.Reader, max int, buf []byte) ([]byte, error) {
	var n uint64
	for i := 0; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if i == maxVarintLen-1 && b >= 0x80 {
			return nil, fmt.Errorf("%w: frame length takes more than %d bytes", ErrFrameTooLarge, maxVarintLen)
		}
		n |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			break
		}
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, max)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}
