package client

// CloseIdleConnections closes the client's idle connections, so that the
// next call dials afresh and presents the current certificate.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }
