// Package api is the hub's edge: Connect handlers for the protobuf services,
// the authentication interceptor that turns a verified mTLS peer into a
// Caller, and the mapping from domain errors to Connect codes.
//
// What the client sees is separated from what is logged: a failed call
// returns a Connect code, a short message and a request ID; details go to the
// log under that request ID. Secrets and internal errors are never echoed.
package api
