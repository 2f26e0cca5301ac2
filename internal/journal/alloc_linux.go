package journal

import (
	"os"
	"syscall"
)

// allocate sizes f and reserves its blocks (fallocate), so that writes
// into its mapping cannot fail for want of space.
func allocate(f *os.File, size int64) error {
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, size); err != nil {
		if err != syscall.EOPNOTSUPP {
			return err
		}
		return f.Truncate(size) // a file system without fallocate
	}
	return nil
}
