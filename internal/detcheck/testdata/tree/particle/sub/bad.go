package sub

import "time"

func Stamp() int64 { return time.Now().UnixMilli() }
