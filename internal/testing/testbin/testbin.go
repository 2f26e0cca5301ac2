// Package testbin builds the clusterpack binary of this tree for the tests
// that run it as a user would, as a process of its own.
package testbin

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// Build builds cmd/clusterpack into dir and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "clusterpack")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/clusterpack/clusterpack/cmd/clusterpack").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of clusterpack: %v\n%s", err, out)
	}
	return bin, nil
}
