package build517

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// cacheVersion is the cache's top directory; bump it when the layout or
// the meaning of entries changes.
//
// Layout under Frontend.CacheDir:
//
//	build517-v1/<sdist sha256>/PKG-INFO           the sdist's PKG-INFO
//	build517-v1/<sdist sha256>/PKG-INFO.none      or: it has none
//	build517-v1/<sdist sha256>/<interpreter>/METADATA
//	build517-v1/<sdist sha256>/<interpreter>/<name>.whl
//	build517-v1/tmp/                              scratch space of builds
//
// where <interpreter> is e.g. "cpython-3.11-linux-x86_64", followed by
// "-cs<hash>" when config settings are given. Files are written under a
// temporary name and renamed, so readers see complete files only.
const cacheVersion = "build517-v1"

// cacheEntry is the cache directory of one sdist built by one
// interpreter with one set of config settings.
type cacheEntry struct {
	dir string
}

// entry returns the cache entry for the sdist and interpreter, or nil
// when there is no CacheDir.
func (f *Frontend) entry(sum string, py *interpreter) *cacheEntry {
	if f.CacheDir == "" {
		return nil
	}
	key := py.cacheKey()
	if len(f.ConfigSettings) > 0 {
		key += "-cs" + configHash(f.ConfigSettings)
	}
	return &cacheEntry{dir: filepath.Join(f.CacheDir, cacheVersion, sum, key)}
}

// configHash is a short stable hash of config settings.
func configHash(settings map[string][]string) string {
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([][2]any, len(keys))
	for i, k := range keys {
		pairs[i] = [2]any{k, settings[k]}
	}
	data, _ := json.Marshal(pairs) // strings always encode
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:16]
}

func (c *cacheEntry) metadata() ([]byte, bool) {
	data, err := os.ReadFile(filepath.Join(c.dir, "METADATA"))
	return data, err == nil
}

func (c *cacheEntry) wheel() (string, bool) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return "", false
	}
	for _, e := range entries { // sorted by name
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".whl") && !strings.HasPrefix(e.Name(), ".") {
			return filepath.Join(c.dir, e.Name()), true
		}
	}
	return "", false
}

func (c *cacheEntry) storeMetadata(md []byte) error {
	return writeFileAtomic(c.dir, "METADATA", md)
}

// storeWheel copies a built wheel into the entry, and its METADATA too
// when the entry has none yet: metadata and wheel then agree.
func (c *cacheEntry) storeWheel(wheel string) error {
	if _, err := copyFileAtomic(wheel, c.dir, filepath.Base(wheel)); err != nil {
		return err
	}
	if _, ok := c.metadata(); ok {
		return nil
	}
	md, err := metadataFromWheel(wheel)
	if err != nil {
		return err
	}
	return c.storeMetadata(md)
}

// cachedPKGINFO returns the PKG-INFO cached for an sdist: ok with nil
// data when the sdist is known to have none.
func (f *Frontend) cachedPKGINFO(sum string) (data []byte, ok bool) {
	if f.CacheDir == "" {
		return nil, false
	}
	dir := filepath.Join(f.CacheDir, cacheVersion, sum)
	if data, err := os.ReadFile(filepath.Join(dir, "PKG-INFO")); err == nil {
		return data, true
	}
	if _, err := os.Stat(filepath.Join(dir, "PKG-INFO.none")); err == nil {
		return nil, true
	}
	return nil, false
}

// storePKGINFO caches what readPKGINFO found; failures only cost a
// re-read next time.
func (f *Frontend) storePKGINFO(sum string, data []byte) {
	if f.CacheDir == "" {
		return
	}
	dir := filepath.Join(f.CacheDir, cacheVersion, sum)
	name := "PKG-INFO"
	if data == nil {
		name = "PKG-INFO.none"
	}
	if err := writeFileAtomic(dir, name, data); err != nil {
		f.logger().Debug("cannot cache PKG-INFO", "dir", dir, "err", err)
	}
}

// writeFileAtomic writes data to dir/name through a temporary file in dir
// and a rename.
func writeFileAtomic(dir, name string, data []byte) error {
	return createAtomic(dir, name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// copyFileAtomic copies src to dir/name through a temporary file in dir
// and a rename, and returns the new path.
func copyFileAtomic(src, dir, name string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	err = createAtomic(dir, name, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
	return filepath.Join(dir, name), err
}

// createAtomic creates dir/name with the content write gives it, visible
// under that name only once complete.
func createAtomic(dir, name string, write func(io.Writer) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
		if err != nil {
			// Another process may have won the race (Windows refuses to
			// replace an open file); its copy is as good as ours.
			if _, statErr := os.Stat(filepath.Join(dir, name)); statErr == nil {
				err = nil
			}
		}
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
