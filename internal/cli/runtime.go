package cli

import (
	"os"
	"runtime/debug"
)

// hubGCPercent is the garbage collector target the hub runs with unless
// GOGC is set. The hub's live heap is small (a few MiB), so Go's default
// of 100 collects dozens of times a second under load and dominates tail
// latency; 400 trades a few MiB of memory for far fewer collections.
// GOMEMLIMIT still bounds memory when set.
const hubGCPercent = 400

// tuneRuntime applies process settings for commands that run a hub.
func tuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(hubGCPercent)
	}
}
