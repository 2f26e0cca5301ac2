//go:build !linux

package journal

import "os"

// allocate sizes f. Systems without fallocate leave it sparse.
func allocate(f *os.File, size int64) error { return f.Truncate(size) }
