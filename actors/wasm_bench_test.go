package actors

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aquanet/aquanet/internal/wasmguest"
	"github.com/aquanet/aquanet/wasmhost"
)

// BenchmarkRestore100WasmServices restarts a node that keeps 100 Wasm services (of the
// kvstore example, one blueprint) and reports two times: start-ms, until the node has started
// (every service registered under its id and aliases, no instance made yet), and
// all-answered-ms, until each of the 100 has answered a first call sent to all at once (each
// makes its instance then, from the compilation cache on disk). nox brought its services back
// one by one before it served anything.
func BenchmarkRestore100WasmServices(b *testing.B) {
	wasmguest.Require(b, "kvstore")
	dir := b.TempDir()
	cfg := wasmhost.NewConfig()
	w := startWasmNode(b, dir, cfg)
	ids := []string{str(w.run(deployScript("kvstore"))[0])}
	create := catching(`(seq (call %init_peer_id% ("dist" "list_blueprints") [] bps)
	  (seq (call %init_peer_id% ("srv" "create") [bps.$.[0].id] sid) (call %init_peer_id% ("probe" "report") [sid])))`)
	for len(ids) < 100 {
		got := w.run(create)
		if len(got) != 1 {
			b.Fatalf("srv.create: %v", got)
		}
		ids = append(ids, str(got[0]))
	}
	w.Stop(context.Background())
	var startMS, answeredMS float64
	for b.Loop() {
		start := time.Now()
		w = startWasmNode(b, dir, cfg)
		startMS += float64(time.Since(start).Microseconds()) / 1000
		for _, id := range ids {
			w.send(catching(fmt.Sprintf(`(seq (call %%init_peer_id%% (%q "list") [] v) (call %%init_peer_id%% ("probe" "report") [v]))`, id)))
		}
		for range ids {
			if got := w.report(); len(got) != 1 || strings.Contains(got[0].String(), "error") {
				b.Fatalf("a first call after the restart: %v", got)
			}
		}
		answeredMS += float64(time.Since(start).Microseconds()) / 1000
		b.StopTimer()
		w.Stop(context.Background())
		b.StartTimer()
	}
	b.ReportMetric(startMS/float64(b.N), "start-ms")
	b.ReportMetric(answeredMS/float64(b.N), "all-answered-ms")
}
