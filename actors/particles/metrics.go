package particles

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the particle actors' Prometheus metrics.
type Metrics struct {
	// Runs observes each interpreter run's duration on the node's clock (its count is the
	// number of runs).
	Runs prometheus.Histogram
}

// NewMetrics makes the particle actors' metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Runs: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "aquanet", Subsystem: "interpreter", Name: "run_seconds",
			Help:    "Interpreter runs, by duration.",
			Buckets: prometheus.ExponentialBuckets(10e-6, 4, 10)}), // 10 µs .. 2.6 s
	}
	if err := reg.Register(m.Runs); err != nil {
		return nil, err
	}
	return m, nil
}
