package wheel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// InstallDir installs one wheel into the new directory dir, atomically:
// it installs into a temporary directory beside dir and renames it to
// dir only when the installation is complete, removing it otherwise. dir
// must not exist, or be empty. The directory gets the mode 0o755.
func InstallDir(ctx context.Context, wheelPath, dir string, opts Options) (_ *Installed, err error) {
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	staging, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("wheel %s: %w", filepath.Base(wheelPath), err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(staging)
		}
	}()
	d := DirDestination(staging)
	installed, err := Install(ctx, wheelPath, d, opts)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(staging, 0o755); err != nil {
		return nil, fmt.Errorf("wheel %s: %w", filepath.Base(wheelPath), err)
	}
	if err := os.Rename(staging, dir); err != nil {
		return nil, fmt.Errorf("wheel %s: moving the installation into place: %w", filepath.Base(wheelPath), err)
	}
	return installed, nil
}
