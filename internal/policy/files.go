package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/airlock-hub/airlock/internal/store"
)

// maxPolicyFile bounds one policy file (4 MiB).
const maxPolicyFile = 4 << 20

// LoadPolicyFiles reads .cedar files. A path that is a directory
// contributes its *.cedar files (not recursively), sorted by name; a file
// is read whatever its extension. Names are the paths as found, so
// diagnostics point at them.
func LoadPolicyFiles(paths ...string) ([]store.PolicyFile, error) {
	var out []store.PolicyFile
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("load policies: %w", err)
		}
		names := []string{p}
		if fi.IsDir() {
			if names, err = cedarFiles(p); err != nil {
				return nil, err
			}
		}
		for _, n := range names {
			f, err := readPolicyFile(n)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("load policies: no .cedar files in %s", strings.Join(paths, ", "))
	}
	return out, nil
}

func cedarFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) == ".cedar" {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	return names, nil
}

func readPolicyFile(name string) (store.PolicyFile, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return store.PolicyFile{}, fmt.Errorf("load policies: %w", err)
	}
	if fi.Size() > maxPolicyFile {
		return store.PolicyFile{}, fmt.Errorf("load policies: %s: larger than %d bytes", name, maxPolicyFile)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return store.PolicyFile{}, fmt.Errorf("load policies: %w", err)
	}
	return store.PolicyFile{Name: name, Text: string(b)}, nil
}
