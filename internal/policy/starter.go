package policy

import (
	_ "embed"

	"github.com/airlock-hub/airlock/internal/store"
)

//go:embed starter.cedar
var starterText string

// StarterFiles returns the starter policy that `airlock dev` installs:
// agents message agents of their segment and use its topics, every
// principal may WhoAmI, RenewIdentity (itself) and RequestAccess, humans
// with role "admin" may do everything, and everything else is denied.
func StarterFiles() []store.PolicyFile {
	return []store.PolicyFile{{Name: "starter.cedar", Text: starterText}}
}
