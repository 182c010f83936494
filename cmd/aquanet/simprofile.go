package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// simProfiles are "aquanet sim"'s --cpuprofile and --memprofile: where a run's time goes, and
// what its nodes hold once it has ended (go tool pprof reads both).
type simProfiles struct {
	cpu, mem string
	err      error // writing the heap profile, which happens inside a run
}

// startCPU starts the CPU profile, if one is asked for; stop ends it and closes its file.
func (p *simProfiles) startCPU() (stop func() error, err error) {
	if p.cpu == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// ended is the run's Ended hook: it writes the heap profile while the nodes are still up (each
// run overwrites the one before, so the last run's is kept); nil without --memprofile.
func (p *simProfiles) ended() func() {
	if p.mem == "" {
		return nil
	}
	return func() {
		runtime.GC() // the profile's in-use figures are as of the last collection
		f, err := os.Create(p.mem)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil && p.err == nil {
			p.err = fmt.Errorf("--memprofile: %w", err)
		}
	}
}
