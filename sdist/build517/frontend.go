package build517

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/clusterpack/clusterpack/pypa/metadata"
)

// PrepareFunc makes build requirements importable: it resolves and
// installs requirements (PEP 508 strings) for the interpreter python and
// returns the site-packages directories to put first on the hooks'
// sys.path.
type PrepareFunc func(ctx context.Context, requirements []string, python string) (paths []string, err error)

// Frontend gets metadata from sdists and builds them into wheels with
// their PEP 517 backends. The zero value works for sdists with static
// metadata; building needs Python. A Frontend is safe for concurrent use
// and must not be copied after first use.
type Frontend struct {
	// Python is an interpreter of the target's Python version; the hooks
	// run in it.
	Python string
	// PythonVersion is the target's "X.Y". When set, Python must be that
	// version, and error messages say which interpreter to supply.
	PythonVersion string
	// CacheDir holds metadata and wheels by sdist sha256 and interpreter;
	// empty means nothing is cached.
	CacheDir string
	// Env looks up the environment variables the hooks see (nil means
	// os.Getenv). Only the variables compilers and locales need are passed
	// (PATH, HOME, LANG, CC, CFLAGS, ...); never PIP_* or PYTHON*.
	// SOURCE_DATE_EPOCH defaults to 1980-01-01.
	Env func(string) string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
	// Timeout bounds each hook process; 0 means no limit.
	Timeout time.Duration
	// Prepare installs build requirements. It is called first with
	// build-system.requires, then, when get_requires_for_build_wheel adds
	// requirements, with both lists together (the paths of the second
	// call replace those of the first). It is not called for an empty
	// list, so it may be nil for backends that need nothing.
	Prepare PrepareFunc
	// ConfigSettings are PEP 517 config_settings; a key with one value is
	// passed as a string, with several as a list. They are part of the
	// cache key.
	ConfigSettings map[string][]string

	mu           sync.Mutex
	flights      map[string]*flight
	interpreters map[string]*interpreter
}

func (f *Frontend) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

// Metadata returns the core metadata (METADATA file content) of the
// sdist at sdistPath whose sha256 is sdistSHA256 (hex; computed from the
// file when empty). The sdist's PKG-INFO is returned as is when it is
// Metadata-Version 2.2 or later and neither Requires-Dist nor
// Requires-Python is dynamic (PEP 643): no Python runs. Otherwise the
// backend's prepare_metadata_for_build_wheel hook makes it, or build_wheel
// when the backend has no such hook (the wheel is then cached too).
func (f *Frontend) Metadata(ctx context.Context, sdistPath, sdistSHA256 string) ([]byte, error) {
	sum, err := sdistHash(sdistPath, sdistSHA256)
	if err != nil {
		return nil, err
	}
	pkgInfo, info, err := f.pkgInfo(ctx, sdistPath, sum)
	if err != nil {
		return nil, err
	}
	if info != nil && info.IsStatic("Requires-Dist") && info.IsStatic("Requires-Python") {
		f.logger().Debug("static PKG-INFO", "sdist", filepath.Base(sdistPath))
		return pkgInfo, nil
	}
	py, err := f.interpreterFor(ctx, sdistPath, info)
	if err != nil {
		return nil, err
	}
	c := f.entry(sum, py)
	if c == nil {
		var md []byte
		err := f.withBuildTree(ctx, sdistPath, py, func(t *buildTree) (err error) {
			md, err = f.metadataHooks(ctx, t, nil)
			return err
		})
		return md, err
	}
	if md, ok := c.metadata(); ok {
		return md, nil
	}
	err = f.singleFlight(ctx, "metadata "+c.dir, func() error {
		if _, ok := c.metadata(); ok {
			return nil
		}
		return f.withBuildTree(ctx, sdistPath, py, func(t *buildTree) error {
			_, err := f.metadataHooks(ctx, t, c)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	md, ok := c.metadata()
	if !ok {
		return nil, fmt.Errorf("building %s: metadata vanished from cache %s", filepath.Base(sdistPath), c.dir)
	}
	return md, nil
}

// BuildWheel builds the sdist at sdistPath (sha256 sdistSHA256, computed
// when empty) into a wheel with its backend's build_wheel hook and
// returns the wheel's path in outDir. The wheel appears in outDir under
// its final name only when complete. Builds are cached by sdist hash,
// interpreter and config settings.
func (f *Frontend) BuildWheel(ctx context.Context, sdistPath, sdistSHA256, outDir string) (string, error) {
	sum, err := sdistHash(sdistPath, sdistSHA256)
	if err != nil {
		return "", err
	}
	_, info, err := f.pkgInfo(ctx, sdistPath, sum)
	if err != nil {
		return "", err
	}
	py, err := f.interpreterFor(ctx, sdistPath, info)
	if err != nil {
		return "", err
	}
	c := f.entry(sum, py)
	if c == nil {
		var out string
		err := f.withBuildTree(ctx, sdistPath, py, func(t *buildTree) error {
			wheel, err := f.wheelHook(ctx, t)
			if err == nil {
				out, err = copyFileAtomic(wheel, outDir, filepath.Base(wheel))
			}
			return err
		})
		return out, err
	}
	wheel, ok := c.wheel()
	if !ok {
		err = f.singleFlight(ctx, "wheel "+c.dir, func() error {
			if _, ok := c.wheel(); ok {
				return nil
			}
			return f.withBuildTree(ctx, sdistPath, py, func(t *buildTree) error {
				wheel, err := f.wheelHook(ctx, t)
				if err != nil {
					return err
				}
				return c.storeWheel(wheel)
			})
		})
		if err != nil {
			return "", err
		}
		if wheel, ok = c.wheel(); !ok {
			return "", fmt.Errorf("building %s: wheel vanished from cache %s", filepath.Base(sdistPath), c.dir)
		}
	}
	return copyFileAtomic(wheel, outDir, filepath.Base(wheel))
}

// sdistHash returns the sdist's sha256 in lower-case hex: given, or
// computed from the file.
func sdistHash(sdistPath, given string) (string, error) {
	if given != "" {
		given = strings.ToLower(given)
		if b, err := hex.DecodeString(given); err != nil || len(b) != sha256.Size {
			return "", fmt.Errorf("sdist %s: %q is not a sha256 in hex", sdistPath, given)
		}
		return given, nil
	}
	file, err := os.Open(sdistPath)
	if err != nil {
		return "", err
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return "", fmt.Errorf("hashing sdist %s: %w", sdistPath, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pkgInfo returns the sdist's PKG-INFO, raw and parsed; both nil when it
// has none or it does not parse (then the backend must make metadata).
func (f *Frontend) pkgInfo(ctx context.Context, sdistPath, sum string) ([]byte, *metadata.Metadata, error) {
	data, ok := f.cachedPKGINFO(sum)
	if !ok {
		var err error
		if data, err = readPKGINFO(ctx, sdistPath); err != nil {
			return nil, nil, err
		}
		f.storePKGINFO(sum, data)
	}
	if data == nil {
		return nil, nil, nil
	}
	info, err := metadata.Parse(data)
	if err != nil {
		f.logger().Debug("unusable PKG-INFO", "sdist", filepath.Base(sdistPath), "err", err)
		return nil, nil, nil
	}
	return data, info, nil
}

// interpreterFor checks Frontend.Python against the target version and
// the sdist's Requires-Python, probing it once per Frontend.
func (f *Frontend) interpreterFor(ctx context.Context, sdistPath string, info *metadata.Metadata) (*interpreter, error) {
	want := f.PythonVersion
	if want == "" && info != nil && !info.RequiresPython.IsEmpty() {
		want = info.RequiresPython.String()
	}
	fail := func(found string, err error) error {
		return &InterpreterError{Sdist: filepath.Base(sdistPath), Python: f.Python, Want: want, Found: found, Err: err}
	}
	if f.Python == "" {
		return nil, fail("", nil)
	}
	f.mu.Lock()
	py := f.interpreters[f.Python]
	f.mu.Unlock()
	if py == nil {
		var err error
		if py, err = probeInterpreter(ctx, f.Python); err != nil {
			return nil, fail("", err)
		}
		f.mu.Lock()
		if f.interpreters == nil {
			f.interpreters = map[string]*interpreter{}
		}
		f.interpreters[f.Python] = py
		f.mu.Unlock()
	}
	if f.PythonVersion != "" && py.majorMinor() != f.PythonVersion {
		return nil, fail(py.Version, nil)
	}
	if info != nil && !py.satisfies(info.RequiresPython) {
		want = info.RequiresPython.String()
		return nil, fail(py.Version, nil)
	}
	return py, nil
}
