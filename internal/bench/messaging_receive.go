package bench

import (
	"context"
	"strconv"
	"time"

	"github.com/airlock-hub/airlock/client"
	"github.com/airlock-hub/airlock/internal/loadgen"
)

// add records the delivery of m at now, if m is a scenario message.
func add(rec *loadgen.Receipts, m client.Message, now time.Time) {
	ns, err := strconv.ParseInt(m.Headers[SentHeader], 10, 64)
	if err != nil && m.Attempt <= 1 {
		return // not a scenario message
	}
	rec.Add(time.Unix(0, ns), now, m.Attempt > 1)
}

// consume receives c's messages into rec until ctx is done.
func consume(ctx context.Context, c *client.Client, o MessagingOptions, rec *loadgen.Receipts) {
	if o.Consumer == ConsumeStream {
		_ = c.Receive(ctx, func(_ context.Context, m client.Message) error {
			add(rec, m, time.Now())
			return nil
		})
		return
	}
	for ctx.Err() == nil {
		ms, err := c.Fetch(ctx, o.FetchBatch, time.Second)
		now := time.Now()
		if err != nil && len(ms) == 0 && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond) // e.g. the hub refused: don't spin
		}
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			add(rec, m, now)
			ids = append(ids, m.ID)
		}
		if len(ids) > 0 {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_, _ = c.Ack(actx, ids...)
			cancel()
		}
	}
}
