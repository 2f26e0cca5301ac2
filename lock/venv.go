package lock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/lock/pipconfig"
	"github.com/clusterpack/clusterpack/lock/venvscan"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/target"
)

// fromVenv turns a virtualenv's installed distributions into inputs: a
// requirement pinning each one to its installed version (or to the file it
// was installed from), the editable project directories, and the
// interpreter of the virtualenv ("" when it is missing: the target can
// still be given). The distributions named in exclude are skipped, and
// their names set in matched.
func fromVenv(ctx context.Context, dir string, exclude excluded, matched map[string]bool) (reqs, editables []string, python string, err error) {
	v, err := venvscan.Scan(ctx, dir)
	if err != nil {
		return nil, nil, "", err
	}
	for _, d := range v.Dists {
		if exclude.has(d.Name) {
			matched[pep503.Normalize(d.Name)] = true
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

// venvLockKey names the lock of a virtualenv: its pinned requirements,
// the files that define its editable projects' metadata, the target and
// the indexes.
func venvLockKey(in Input, cfg *pipconfig.Config) string {
	h := sha256.New()
	fmt.Fprintf(h, "venv lock 2\npython %q platforms %q\n", in.Target.Python, in.Target.Platforms)
	if len(in.Exclude) > 0 {
		fmt.Fprintf(h, "exclude %q\n", in.Exclude)
	}
	reqs := append([]string{}, in.Requirements...)
	sort.Strings(reqs)
	for _, r := range reqs {
		fmt.Fprintf(h, "req %s\n", r)
	}
	for _, dir := range in.Editables {
		fmt.Fprintf(h, "editable %s\n", dir)
		for _, name := range []string{"pyproject.toml", "setup.cfg", "setup.py"} {
			if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				sum := sha256.Sum256(data)
				fmt.Fprintf(h, "%s %x\n", name, sum)
			}
		}
	}
	fmt.Fprintf(h, "index %q %q %q %v\n", cfg.IndexURL, cfg.ExtraIndexURLs, cfg.FindLinks, cfg.NoIndex)
	fmt.Fprintf(h, "cli %q %q %q %v %v %q %q\n", in.IndexURL, in.ExtraIndexURLs, in.FindLinks, in.NoIndex, in.Pre, in.OnlyBinary, in.NoBinary)
	fmt.Fprintf(h, "prefer-binary %d\n", in.PreferBinary)
	if !in.ExcludeNewer.IsZero() {
		fmt.Fprintf(h, "exclude-newer %d\n", in.ExcludeNewer.UnixNano())
	}
	fmt.Fprintf(h, "lockdir %q\n", in.LockDir)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func venvLockPath(key string, env Env) string {
	return filepath.Join(env.CacheDir, "locks", "venv-"+key+".toml")
}

// cachedVenvLock returns the kept lock of a virtualenv, if there is one.
func cachedVenvLock(ctx context.Context, key string, in Input, env Env) (*Result, error) {
	lk, err := lockfile.ReadFile(venvLockPath(key, env))
	if err != nil {
		return nil, err
	}
	tgt, err := target.Resolve(ctx, in.Target, target.Options{CacheDir: env.CacheDir, Getenv: env.Getenv})
	if err != nil {
		return nil, err
	}
	return &Result{Lock: lk, Target: tgt}, nil
}

// storeVenvLock keeps a virtualenv's lock for next time; failing to is
// harmless.
func storeVenvLock(key string, lk *lockfile.Lock, env Env) {
	var buf bytes.Buffer
	if err := lk.Write(&buf); err != nil {
		return
	}
	_ = atomicfile.WriteFile(venvLockPath(key, env), buf.Bytes(), 0o644)
}
