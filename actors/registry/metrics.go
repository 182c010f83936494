package registry

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the registry's Prometheus metrics.
type Metrics struct {
	// Calls counts service calls by the kind of service they went to: builtin, node (such as
	// peer), srv, stat, spawned, or unknown (no such service).
	Calls *prometheus.CounterVec
}

// NewMetrics makes the registry's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{Calls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "service", Name: "calls_total",
		Help: "Service calls, by the kind of service they went to."}, []string{"kind"})}
	for _, k := range []string{"builtin", "node", "srv", "stat", "spawned", "unknown"} {
		m.Calls.WithLabelValues(k)
	}
	if err := reg.Register(m.Calls); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Metrics) call(kind string) {
	if m != nil {
		m.Calls.WithLabelValues(kind).Inc()
	}
}
