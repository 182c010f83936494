package main

import "time"

// cmd is not a deterministic package: the wall clock is its to use.
func main() { _ = time.Now() }
