//go:build unix

package aqua

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// locks says that lockFile excludes other processes.
const locks = true

// lockFile takes an exclusive lock on path (created if missing), waiting while another process
// holds it until ctx ends; waiting is called once if it has to wait. The lock goes with the
// process, so a killed installer never leaves it held. unlock releases it.
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing the file releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		if first {
			waiting()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
