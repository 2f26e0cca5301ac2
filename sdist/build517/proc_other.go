//go:build !unix

package build517

import "os/exec"

// ownProcessGroup leaves cmd's default cancellation (killing the process)
// in place: there are no process groups here.
func ownProcessGroup(cmd *exec.Cmd) {}

// killProcessGroup does nothing where there are no process groups.
func killProcessGroup(cmd *exec.Cmd) error { return nil }
