package wheel

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"

	"github.com/clusterpack/clusterpack/internal/reproducible"
)

// Dir is a Destination that writes into a directory on disk, the caller's
// staging directory: build an environment in a fresh temporary directory,
// install every wheel, and rename it into place when all succeeded (or
// use InstallDir for one wheel). Files get the mode 0o644 or 0o755 and
// the modification time 1980-01-01 whatever the umask; new directories get
// 0o755. Files are created exclusively: a path that already exists, for
// instance because two wheels ship the same file, is an error wrapping
// fs.ErrExist, so the result never depends on the order of concurrent
// installations. Every access goes through an os.Root, so nothing is
// written outside the directory even through symbolic links already in it.
//
// A Dir is safe for concurrent use. Close releases its directory handle.
type Dir struct {
	path string
	once sync.Once
	root *os.Root
	err  error
}

// DirDestination returns a Destination writing under root, which is
// created (0o755) if it does not exist.
func DirDestination(root string) *Dir {
	return &Dir{path: root}
}

// open opens the root directory once.
func (d *Dir) open() (*os.Root, error) {
	d.once.Do(func() {
		if err := os.MkdirAll(d.path, 0o755); err != nil {
			d.err = err
			return
		}
		d.root, d.err = os.OpenRoot(d.path)
	})
	return d.root, d.err
}

// Create creates the file name under the root, with its parent
// directories.
func (d *Dir) Create(name string, mode fs.FileMode) (io.WriteCloser, error) {
	root, err := d.open()
	if err != nil {
		return nil, err
	}
	const flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	f, err := root.OpenFile(name, flags, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err := mkdirAll(root, path.Dir(name)); err != nil {
			return nil, err
		}
		f, err = root.OpenFile(name, flags, 0o600)
	}
	if err != nil {
		return nil, err
	}
	// Chmod on the open file is not subject to the umask.
	if err := f.Chmod(reproducible.Mode(mode)); err != nil {
		f.Close()
		return nil, err
	}
	return &dirFile{file: f, root: root, name: name}, nil
}

// Close releases the directory handle. Files still open stay writable.
func (d *Dir) Close() error {
	d.once.Do(func() { d.err = os.ErrClosed })
	if d.root == nil {
		return nil
	}
	return d.root.Close()
}

// mkdirAll creates dir and its missing parents with mode 0o755.
func mkdirAll(root *os.Root, dir string) error {
	if dir == "." {
		return nil
	}
	if err := mkdirAll(root, path.Dir(dir)); err != nil {
		return err
	}
	err := root.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return nil // made by another installation, or a file: OpenFile will say
	}
	if err != nil {
		return err
	}
	return root.Chmod(dir, 0o755) // Mkdir is subject to the umask
}

// dirFile sets the fixed modification time when it is closed.
type dirFile struct {
	file *os.File
	root *os.Root
	name string
}

func (f *dirFile) Write(p []byte) (int, error) { return f.file.Write(p) }

func (f *dirFile) Close() error {
	if err := f.file.Close(); err != nil {
		return err
	}
	if err := f.root.Chtimes(f.name, reproducible.Epoch(), reproducible.Epoch()); err != nil {
		return fmt.Errorf("setting the time of %s: %w", f.name, err)
	}
	return nil
}
