package venvscan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/metadata"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// infoKind tells a directory entry holding a distribution's metadata.
type infoKind int

const (
	notInfo     infoKind = iota
	distInfo             // name.dist-info directory
	eggInfoDir           // name.egg-info directory
	eggInfoFile          // name.egg-info file (distutils), itself PKG-INFO
)

// classify tells whether a directory entry is a distribution's metadata,
// as importlib.metadata does: by a case-insensitive suffix. Names that
// start with '~' are pip's renamed leftovers of an interrupted install or
// uninstall and are skipped, as pip ignores them.
func classify(name string, isDir bool) infoKind {
	name = strings.ToLower(name)
	switch {
	case strings.HasPrefix(name, "~"):
		return notInfo
	case strings.HasSuffix(name, ".dist-info") && isDir:
		return distInfo
	case strings.HasSuffix(name, ".egg-info") && isDir:
		return eggInfoDir
	case strings.HasSuffix(name, ".egg-info"):
		return eggInfoFile
	}
	return notInfo
}

// infoEntry is a distribution's metadata found in a directory.
type infoEntry struct {
	path string
	kind infoKind
}

// listInfos returns the metadata entries of dir in name order, with
// symbolic links followed.
func listInfos(dir string) ([]infoEntry, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("listing site directory: %w", err)
	}
	var out []infoEntry
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		dir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			dir = isDir(path)
		}
		if kind := classify(e.Name(), dir); kind != notInfo {
			out = append(out, infoEntry{path: path, kind: kind})
		}
	}
	return out, nil
}

// readDist reads the distribution whose metadata is at path.
func readDist(path string, kind infoKind) (Dist, error) {
	d := Dist{DistInfo: path, Location: filepath.Dir(path), Legacy: kind != distInfo}
	metaPath := path
	switch kind {
	case distInfo:
		metaPath = filepath.Join(path, "METADATA")
	case eggInfoDir:
		metaPath = filepath.Join(path, "PKG-INFO")
	}
	data, err := os.ReadFile(metaPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return d, fmt.Errorf("%s: no %s: a broken install; reinstall the package", path, filepath.Base(metaPath))
		}
		return d, fmt.Errorf("reading metadata: %w", err)
	}
	m, err := metadata.Parse(data)
	if err != nil {
		return d, fmt.Errorf("%s: %w", metaPath, err)
	}
	d.Metadata = m
	d.Name = m.Name
	d.NormalizedName = pep503.Normalize(m.Name)
	d.Version = m.Version
	if kind == eggInfoFile {
		return d, nil
	}

	if data, ok, err := readOptional(filepath.Join(path, "INSTALLER")); err != nil {
		return d, err
	} else if ok {
		d.Installer = strings.TrimSpace(string(data))
	}
	if _, err := os.Stat(filepath.Join(path, "REQUESTED")); err == nil {
		d.Requested = true
	}
	if data, ok, err := readOptional(filepath.Join(path, "direct_url.json")); err != nil {
		return d, err
	} else if ok {
		u, err := ParseDirectURL(data)
		if err != nil {
			return d, fmt.Errorf("%s: %w", filepath.Join(path, "direct_url.json"), err)
		}
		d.DirectURL = u
	}
	if d.TopLevel, err = topLevelNames(path, kind); err != nil {
		return d, err
	}
	return d, nil
}

// readOptional reads a file that may be absent.
func readOptional(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return data, true, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("reading distribution metadata: %w", err)
	}
}
