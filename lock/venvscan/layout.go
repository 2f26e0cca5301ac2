package venvscan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// layout is where an environment keeps its interpreter and packages.
type layout struct {
	python       string
	version      string // "3.11.7" or "3.11"; empty when unknown
	home         string
	systemSite   bool
	sitePackages []string
}

// sitePackagesDir is one candidate site-packages directory.
type sitePackagesDir struct {
	path    string
	version string // "X.Y" from lib/pythonX.Y, empty for Windows Lib
}

// findLayout finds the layout of the environment at root (absolute).
func findLayout(root string) (*layout, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", root, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("environment %s: not a directory", root)
	}
	l := &layout{}
	cfgPath := filepath.Join(root, "pyvenv.cfg")
	haveCfg := false
	switch data, err := os.ReadFile(cfgPath); {
	case err == nil:
		haveCfg = true
		cfg := parsePyvenvCfg(data)
		l.home = cfg["home"]
		l.version = cfgVersion(cfg)
		l.systemSite = strings.EqualFold(cfg["include-system-site-packages"], "true")
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("environment %s: reading pyvenv.cfg: %w", root, err)
	}

	candidates, err := sitePackagesCandidates(root)
	if err != nil {
		return nil, err
	}
	if want := majorMinor(l.version); l.version != "" {
		var keep []sitePackagesDir
		for _, c := range candidates {
			if c.version == "" || c.version == want {
				keep = append(keep, c)
			}
		}
		candidates = keep
	}
	versions := map[string]bool{}
	for _, c := range candidates {
		if c.version != "" {
			versions[c.version] = true
		}
	}
	if len(versions) > 1 {
		var paths []string
		for _, c := range candidates {
			paths = append(paths, c.path)
		}
		return nil, fmt.Errorf("environment %s: site-packages of several Python versions (%s) and no pyvenv.cfg version to choose one", root, strings.Join(paths, ", "))
	}
	if len(candidates) == 0 {
		if haveCfg {
			return nil, fmt.Errorf("environment %s: pyvenv.cfg is there but no site-packages directory (lib/python%s/site-packages, Lib/site-packages)", root, orXY(majorMinor(l.version)))
		}
		return nil, fmt.Errorf("environment %s: not a Python environment: no pyvenv.cfg and no lib/pythonX.Y/site-packages or Lib/site-packages", root)
	}
	if l.version == "" {
		for v := range versions {
			l.version = v
		}
	}
	seen := map[string]bool{}
	for _, c := range candidates {
		real, err := filepath.EvalSymlinks(c.path)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", root, err)
		}
		if !seen[real] {
			seen[real] = true
			l.sitePackages = append(l.sitePackages, c.path)
		}
	}
	l.python = findPython(root, majorMinor(l.version))
	return l, nil
}

func orXY(v string) string {
	if v == "" {
		return "X.Y"
	}
	return v
}

// sitePackagesCandidates lists the site-packages directories under root:
// lib/pythonX.Y, lib64/pythonX.Y (also free-threaded pythonX.Yt and
// pypyX.Y) and Windows' Lib/site-packages, in that order.
func sitePackagesCandidates(root string) ([]sitePackagesDir, error) {
	var out []sitePackagesDir
	for _, lib := range []string{"lib", "lib64"} {
		libDir := filepath.Join(root, lib)
		if !isDir(libDir) {
			continue
		}
		entries, err := os.ReadDir(libDir)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", root, err)
		}
		var found []sitePackagesDir
		for _, e := range entries {
			v := libDirVersion(e.Name())
			if v == "" {
				continue
			}
			sp := filepath.Join(root, lib, e.Name(), "site-packages")
			if isDir(sp) {
				found = append(found, sitePackagesDir{path: sp, version: v})
			}
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		out = append(out, found...)
	}
	if sp := filepath.Join(root, "Lib", "site-packages"); isDir(sp) && !containsPath(out, sp) {
		out = append(out, sitePackagesDir{path: sp})
	}
	return out, nil
}

func containsPath(dirs []sitePackagesDir, path string) bool {
	for _, d := range dirs {
		if sameFile(d.path, path) {
			return true
		}
	}
	return false
}

// libDirVersion returns "X.Y" for a directory name pythonX.Y, pythonX.Yt
// or pypyX.Y, or "".
func libDirVersion(name string) string {
	var rest string
	switch {
	case strings.HasPrefix(name, "python"):
		rest = strings.TrimSuffix(strings.TrimPrefix(name, "python"), "t")
	case strings.HasPrefix(name, "pypy"):
		rest = strings.TrimPrefix(name, "pypy")
	default:
		return ""
	}
	v := numericRelease(rest)
	if v != rest || strings.Count(v, ".") != 1 {
		return ""
	}
	return v
}

// findPython returns the resolved path of the environment's interpreter:
// bin/python, bin/python3, bin/pythonX.Y, Scripts/python.exe or (conda on
// Windows) python.exe, the first that exists, with symbolic links
// resolved. Empty when none exists or its link is broken (an environment
// copied from another machine).
func findPython(root, xy string) string {
	names := []string{"bin/python", "bin/python3"}
	if xy != "" {
		names = append(names, "bin/python"+xy)
	}
	names = append(names, "Scripts/python.exe", "python.exe")
	for _, n := range names {
		p := filepath.Join(root, filepath.FromSlash(n))
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return ""
		}
		return real
	}
	return ""
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func sameFile(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && os.SameFile(ia, ib)
}
