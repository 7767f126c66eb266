// Command airlock is the Airlock hub, its admin CLI and its agent CLI.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airlock-hub/airlock/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
