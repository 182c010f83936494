package sub

import "time"

// Test files may use real time: not checked.
func wait() { time.Sleep(time.Millisecond) }
