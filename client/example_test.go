package client_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/airlock-hub/airlock/client"
)

// An agent enrolls once with a join token and the hub's CA fingerprint,
// saves its identity, and from then on opens a Client from the directory.
// It needs a running hub (`airlock dev` prints the token and fingerprint),
// so it has no Output.
func Example() {
	ctx := context.Background()
	id, err := client.Enroll(ctx, client.EnrollOptions{
		Server:        "127.0.0.1:8444",
		Token:         os.Getenv("AIRLOCK_JOIN_TOKEN"),
		CAFingerprint: os.Getenv("AIRLOCK_CA_FINGERPRINT"),
	})
	if err != nil {
		log.Fatal(err)
	}
	const dir = "/var/lib/agent/identity"
	if err := id.Save(dir); err != nil {
		log.Fatal(err)
	}

	c, err := client.Open(dir, client.Options{}) // renews at about half-life
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	me, err := c.WhoAmI(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("I am", me.GetSpiffeId(), "until", me.GetExpiresAt().AsTime())
}
