// Package gen holds code generated from proto/ by buf. Regenerate with
// `go generate ./gen` from the repository root; the tools are pinned in go.mod.
package gen

//go:generate sh -c "cd .. && go tool buf generate"
