package particles

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the particle actors' Prometheus metrics.
type Metrics struct {
	// Runs observes each interpreter run's duration on the node's clock (its count is the
	// number of runs).
	Runs prometheus.Histogram
	// Errors counts interpreter runs that ended with an error, by its code (AIR.md §5);
	// FailedCalls counts calls whose answer was a failure.
	Errors      *prometheus.CounterVec
	FailedCalls prometheus.Counter
}

// NewMetrics makes the particle actors' metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Runs: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "aquanet", Subsystem: "interpreter", Name: "run_seconds",
			Help:    "Interpreter runs, by duration.",
			Buckets: prometheus.ExponentialBuckets(10e-6, 4, 10)}), // 10 µs .. 2.6 s
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "interpreter", Name: "errors_total",
			Help: "Interpreter runs that ended with an error, by the error's code."}, []string{"code"}),
		FailedCalls: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "particle", Name: "failed_calls_total",
			Help: "Service calls of particles whose answer was a failure."}),
	}
	for _, c := range []prometheus.Collector{m.Runs, m.Errors, m.FailedCalls} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
