//go:build !unix

package journal

import (
	"errors"
	"os"
)

// Supported reports whether journals work on this system.
const Supported = false

func mmap(*os.File, int) ([]byte, error) { return nil, errors.ErrUnsupported }

func munmap([]byte) error { return nil }
