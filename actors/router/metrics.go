package router

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the router's Prometheus metrics, kept next to its Stats.
type Metrics struct {
	Rejected *prometheus.CounterVec // label "reason": particle.Reason
	Accepted prometheus.Counter
	Replays  prometheus.Counter
	Expired  prometheus.Counter
	Live     prometheus.Gauge
	Known    prometheus.Gauge // particles the router has an entry for (Stats.Live + Stats.Finished)
	Bytes    prometheus.Gauge // Stats.Bytes
	Kept     prometheus.Gauge // Stats.Kept
}

// NewMetrics makes the router's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "router", Name: "rejected_total",
			Help: "Particles rejected on arrival, by reason."}, []string{"reason"}),
		Accepted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "router", Name: "accepted_total",
			Help: "Particle arrivals handed to a particle actor."}),
		Replays: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "router", Name: "replays_total",
			Help: "Arrivals dropped because the same particle with the same data came before."}),
		Expired: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "router", Name: "expired_total",
			Help: "Particles that reached their deadline on this node."}),
		Live: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "router", Name: "live_particles",
			Help: "Particles with a running actor."}),
		Known: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "router", Name: "known_particles",
			Help: "Particles the node keeps until their deadline, running or finished: what max_particles bounds."}),
		Bytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "router", Name: "particle_data_bytes",
			Help: "Data of the known particles, each at the largest data of it that arrived: what max_bytes bounds."}),
		Kept: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "router", Name: "kept_particle_actors",
			Help: "Finished particles whose actor is kept for their next arrival: what max_kept bounds."}),
	}
	for _, c := range []prometheus.Collector{m.Rejected, m.Accepted, m.Replays, m.Expired, m.Live, m.Known, m.Bytes, m.Kept} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
