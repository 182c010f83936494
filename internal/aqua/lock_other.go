//go:build !unix

package aqua

import "context"

// locks says that lockFile excludes other processes.
const locks = false

// lockFile does not lock where flock is missing: two processes may then both run npm, each in
// its own staging directory, and the first to finish moves its node_modules in (the other's is
// dropped), so the install stays whole either way.
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	return func() {}, ctx.Err()
}
