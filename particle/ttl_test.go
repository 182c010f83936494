package particle

import (
	"errors"
	"testing"
	"time"
)

// A TTL over the peer's limit is refused, whatever its signature: a stranger cannot make every
// peer on the way keep a particle's state for 49 days (issue 13).
func TestTTLOverTheLimitIsRefused(t *testing.T) {
	fortyNineDays := signed(t, func(p *Particle) { p.TTL = uint32(49 * 24 * time.Hour / time.Millisecond) })
	err := Validate(fortyNineDays, testNow, Limits{})
	if !errors.Is(err, ErrTTLTooLong) || Reason(err) != "ttl_too_long" {
		t.Fatalf("a 49-day TTL: %v", err)
	}
	atLimit := signed(t, func(p *Particle) { p.TTL = uint32(DefaultMaxTTL / time.Millisecond) })
	if err := Validate(atLimit, testNow, Limits{}); err != nil {
		t.Fatalf("a TTL at the default limit: %v", err)
	}
	if err := Validate(fortyNineDays, testNow, Limits{MaxTTL: 50 * 24 * time.Hour}); err != nil {
		t.Fatalf("a 49-day TTL under a 50-day limit: %v", err)
	}
	if err := Validate(atLimit, testNow, Limits{MaxTTL: time.Minute}); !errors.Is(err, ErrTTLTooLong) {
		t.Fatalf("a 10-minute TTL under a one-minute limit: %v", err)
	}
}
