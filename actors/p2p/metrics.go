package p2p

import "github.com/prometheus/client_golang/prometheus"

// metrics are the transport's counters; without a registerer they count all the same.
type metrics struct {
	received, sent prometheus.Counter
	dropped        *prometheus.CounterVec // by reason
	peers          prometheus.Gauge

	frames        prometheus.Gauge // frames whose length has been read and whose payload has not
	bytesInFlight prometheus.Gauge // what those frames' buffers hold reserved

	ledgerBytesInFlight prometheus.Gauge // the same for the ledger's frames (ledger.go)

	bootstrapConnected prometheus.Gauge   // bootstrap peers with a connection
	bootstrapLost      prometheus.Counter // connected bootstrap peers that went away
}

// Drop reasons, the values of aquanet_p2p_dropped_total's label.
var dropReasons = []string{"bad_peer_id", "unreachable", "queue_full", "write_error", "oversize", "read_error", "malformed", "rate_limited", "global_rate_limited", "memory", "in_flight", "too_large_to_send"}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		received: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "received_total",
			Help: "Particles read from peers' streams and handed to the node."}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "sent_total",
			Help: "Particles written to peers' streams."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "dropped_total",
			Help: "Particles (or frames) dropped, by reason."}, []string{"reason"}),
		peers: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "peers",
			Help: "Peers with a connection."}),
		frames: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "frames_in_flight",
			Help: "Frames being read from peers' streams: their length has arrived, not all of their payload."}),
		bytesInFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "frame_bytes_in_flight",
			Help: "Bytes reserved for the buffers of the frames being read (at most max_frame_bytes_in_flight)."}),
		ledgerBytesInFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "ledger_bytes_in_flight",
			Help: "Bytes reserved for the buffers of the ledger messages being read (at most max_ledger_bytes_in_flight)."}),
		bootstrapConnected: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "bootstrap_connected",
			Help: "Bootstrap peers with a connection."}),
		bootstrapLost: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "aquanet", Subsystem: "p2p", Name: "bootstrap_disconnects_total",
			Help: "Times a connected bootstrap peer went away (it is dialled again)."}),
	}
	for _, r := range dropReasons {
		m.dropped.WithLabelValues(r) // every reason shows, at 0, from the start
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.received, m.sent, m.dropped, m.peers, m.frames, m.bytesInFlight, m.ledgerBytesInFlight, m.bootstrapConnected, m.bootstrapLost} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
