//go:build unix

package journal

import (
	"os"
	"syscall"
)

// Supported reports whether journals work on this system.
const Supported = true

func mmap(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

func munmap(b []byte) error { return syscall.Munmap(b) }
