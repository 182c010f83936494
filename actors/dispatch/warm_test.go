package dispatch

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// An activation never waits for a busy goroutine: while one activation blocks, others run;
// after Close the idle goroutines end and Schedule still runs what it is given.
func TestWarmNeverQueuesBehindABusyActivation(t *testing.T) {
	w := NewWarm(2, 300)
	release := make(chan struct{})
	w.Schedule(func() { <-release })
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		w.Schedule(wg.Done)
	}
	if !waitTimeout(&wg, 10*time.Second) {
		t.Fatal("activations waited behind a blocked one")
	}
	close(release)
	w.Close()
	wg.Add(1)
	w.Schedule(wg.Done)
	if !waitTimeout(&wg, 10*time.Second) {
		t.Fatal("Schedule after Close did not run")
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// A goroutine left idle ends after IdleTimeout, without Close: a node that is never stopped
// holds no goroutines once it is quiet.
func TestWarmIdleGoroutinesEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	w := NewWarm(8, 10)
	var done sync.WaitGroup
	for range 4 {
		done.Add(1)
		w.Schedule(done.Done)
	}
	done.Wait()
	deadline := time.Now().Add(20 * IdleTimeout)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines %v after the activations ended, %d before", runtime.NumGoroutine(), 20*IdleTimeout, before)
		}
		time.Sleep(IdleTimeout / 10)
	}
}
