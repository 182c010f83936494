package particle

import "time"

// Expired is deterministic: the caller passes now in.
func Expired(deadline, now time.Time) bool { return !now.Before(deadline) }
