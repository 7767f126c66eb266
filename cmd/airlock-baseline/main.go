// Command airlock-baseline runs the `airlock bench messaging` load against
// RabbitMQ and NATS JetStream, so the peer client libraries stay out of
// the airlock binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airlock-hub/airlock/internal/baseline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := baseline.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
