package lock

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/venvscan"
)

// notShipped are distributions of a virtualenv that are not locked from
// it: pip installs packages and is never needed on cluster nodes.
var notShipped = map[string]bool{"pip": true}

// fromVenv turns a virtualenv's installed distributions into inputs: a
// requirement pinning each one to its installed version (or to the file it
// was installed from), the editable project directories, and the
// interpreter of the virtualenv.
func fromVenv(ctx context.Context, dir string) (reqs, editables []string, python string, err error) {
	v, err := venvscan.Scan(ctx, dir)
	if err != nil {
		return nil, nil, "", err
	}
	if v.Python == "" {
		return nil, nil, "", fmt.Errorf("virtualenv %s: its interpreter is missing (bin/python points nowhere); recreate the virtualenv or give --python", dir)
	}
	for _, d := range v.Dists {
		if notShipped[d.NormalizedName] {
			continue
		}
		switch {
		case d.Editable:
			if d.EditablePath == "" {
				return nil, nil, "", fmt.Errorf("virtualenv %s: %s is installed in editable mode but its project directory is unknown; reinstall it with pip install -e", dir, d.Name)
			}
			editables = append(editables, d.EditablePath)
		case d.DirectURL != nil && d.DirectURL.VCS != nil:
			return nil, nil, "", fmt.Errorf("virtualenv %s: %s was installed from %s %s; VCS installs are not supported yet: build a wheel of it and install that", dir, d.Name, d.DirectURL.VCS.VCS, d.DirectURL.URL)
		case d.DirectURL != nil:
			loc := d.DirectURL.URL
			if u, err := url.Parse(loc); err == nil && u.Scheme == "file" {
				loc = filepath.FromSlash(u.Path)
				if _, err := os.Stat(loc); err != nil {
					return nil, nil, "", fmt.Errorf("virtualenv %s: %s was installed from %s, which is gone; reinstall it from an index or put the file back", dir, d.Name, loc)
				}
				if d.DirectURL.Dir != nil {
					// A non-editable install of a local project directory.
					reqs = append(reqs, loc)
					continue
				}
			}
			reqs = append(reqs, d.Name+" @ "+locationURL(loc))
		default:
			reqs = append(reqs, d.Name+"=="+d.Version)
		}
	}
	// The virtualenv's own python, not the base interpreter it links to:
	// the same markers and tags, and the name the user knows.
	python = v.Python
	if p := filepath.Join(v.Root, "bin", "python"); fileExists(p) {
		python = p
	}
	return reqs, editables, python, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// locationURL makes a local path a file: URL; URLs stay as they are.
func locationURL(loc string) string {
	if strings.Contains(loc, "://") {
		return loc
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(loc)}).String()
}
