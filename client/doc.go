// Package client is the Go SDK for agents talking to an Airlock hub.
//
// An agent enrolls once with a join token, which writes its identity (a
// private key that never leaves the machine, an X.509 SVID and the hub's
// trust bundle) to a directory. From then on it opens a Client from that
// directory; the Client authenticates with mutual TLS 1.3 and renews the
// certificate at about half its lifetime, without failing calls in flight.
//
//	id, err := client.Enroll(ctx, client.EnrollOptions{
//		Server:        "127.0.0.1:8444",
//		Token:         os.Getenv("AIRLOCK_JOIN_TOKEN"),
//		CAFingerprint: os.Getenv("AIRLOCK_CA_FINGERPRINT"),
//	})
//	if err != nil { ... }
//	if err := id.Save("/var/lib/agent/identity"); err != nil { ... }
//
//	c, err := client.Open("/var/lib/agent/identity", client.Options{})
//	if err != nil { ... }
//	defer c.Close()
//	me, err := c.WhoAmI(ctx)
//
// Messages are signed with the client's key on Send and verified on
// receipt (the sender's certificate against the hub's trust bundle, then
// the signature); only verified messages are returned. Receive delivers at
// least once: it acks a message after the handler returns nil, and
// reconnects after a dropped stream, so handlers should be idempotent.
//
//	id, _, err := c.Send(ctx, client.SendOptions{To: "billing", Subject: "invoice 42",
//		ContentType: "text/plain; charset=utf-8", Body: []byte("please pay")})
//
//	err = c.Receive(ctx, func(ctx context.Context, m client.Message) error {
//		log.Printf("%s from %s: %s", m.ID, m.From, m.Body)
//		return nil // ack
//	})
package client
