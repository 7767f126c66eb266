package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints. In WAL mode every commit appends pages to the -wal file,
// and a checkpoint copies them back into the database. By default SQLite
// checkpoints inside the commit that takes the WAL past 1,000 pages, on
// the writer's connection, so every few hundred milliseconds under load
// one Update pays for copying megabytes and an fsync of the database
// file, and every caller queued behind it waits. The writer therefore runs
// with wal_autocheckpoint off, and this goroutine checkpoints on its own
// connection instead: PASSIVE checkpoints, which never block the writer
// or readers, a few times a second. Commits stay durable as before: they
// are synced in the WAL.

// checkpointEvery is how often the checkpointer runs.
const checkpointEvery = 250 * time.Millisecond

// runCheckpointer checkpoints db until quit is closed, then closes done.
func runCheckpointer(db *sql.DB, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
			checkpoint(db)
		}
	}
}

// checkpoint runs one PASSIVE checkpoint. Errors are not fatal: the next
// tick tries again, and SQLite checkpoints on close in any case.
func checkpoint(db *sql.DB) (walPages, copied int, err error) {
	var busy int
	err = db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walPages, &copied)
	return walPages, copied, err
}
