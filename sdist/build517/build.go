package build517

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/pypa/metadata"
)

// withBuildTree unpacks the sdist in a scratch directory, reads its
// build system, prepares the build environment (build-system.requires,
// then get_requires_for_build_wheel) and calls fn; the scratch directory
// is removed afterwards.
func (f *Frontend) withBuildTree(ctx context.Context, sdistPath string, py *interpreter, fn func(*buildTree) error) error {
	name := filepath.Base(sdistPath)
	work, err := f.scratchDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	unpacked := filepath.Join(work, "src")
	if err := os.Mkdir(unpacked, 0o755); err != nil {
		return err
	}
	f.logger().Info("unpacking sdist", "sdist", name)
	src, err := unpackSdist(ctx, sdistPath, unpacked, sdistOptions())
	if err != nil {
		return err
	}
	system, err := readBuildSystem(src)
	if err != nil {
		return fmt.Errorf("sdist %s: %w", name, err)
	}
	t := &buildTree{sdist: name, src: src, work: work, system: system, python: py}
	if t.paths, err = f.prepare(ctx, t, system.Requires); err != nil {
		return err
	}
	raw, err := f.runHook(ctx, t, "get_requires_for_build_wheel", nil)
	var extra []string
	switch {
	case errors.Is(err, ErrHookMissing):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(raw, &extra); err != nil {
			return &HookError{Sdist: name, Hook: "get_requires_for_build_wheel", Backend: system.Backend,
				Err: fmt.Errorf("%w: returned %s, not a list of strings", ErrBackendFailed, raw)}
		}
	}
	if len(extra) > 0 {
		if t.paths, err = f.prepare(ctx, t, append(slices.Clone(system.Requires), extra...)); err != nil {
			return err
		}
	}
	return fn(t)
}

// scratchDir makes a directory for one build: under CacheDir when there
// is one, so that results move into the cache on the same file system.
// It is named with the process id (atomicfile.MkdirTemp): in the cache,
// those of processes killed in the middle of a build are removed here,
// never one of a live process.
func (f *Frontend) scratchDir() (string, error) {
	if f.CacheDir == "" {
		return atomicfile.MkdirTemp("", "build-")
	}
	parent := filepath.Join(f.CacheDir, cacheVersion, "tmp")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	atomicfile.RemoveStale(parent, "build-")
	return atomicfile.MkdirTemp(parent, "build-")
}

// readBuildSystem reads the source tree's pyproject.toml; without one the
// sdist is a legacy setuptools project.
func readBuildSystem(src string) (BuildSystem, error) {
	data, err := os.ReadFile(filepath.Join(src, "pyproject.toml"))
	if errors.Is(err, os.ErrNotExist) {
		return LegacyBuildSystem(), nil
	}
	if err != nil {
		return BuildSystem{}, err
	}
	return ParseBuildSystem(data)
}

// prepare has Frontend.Prepare install requirements for the build.
func (f *Frontend) prepare(ctx context.Context, t *buildTree, requirements []string) ([]string, error) {
	if len(requirements) == 0 {
		return nil, nil
	}
	if f.Prepare == nil {
		return nil, fmt.Errorf("building %s: backend %s needs build requirements %q, but the frontend has no Prepare function", t.sdist, t.system.Backend, requirements)
	}
	f.logger().Info("preparing build requirements", "sdist", t.sdist, "requirements", requirements)
	paths, err := f.Prepare(ctx, slices.Clone(requirements), t.python.path)
	if err != nil {
		return nil, fmt.Errorf("building %s: preparing build requirements %q: %w", t.sdist, requirements, err)
	}
	return paths, nil
}

// metadataHooks makes the METADATA of the tree with
// prepare_metadata_for_build_wheel, or from a wheel built with build_wheel
// when the backend lacks that hook. With a cache entry it stores the
// METADATA (and such a wheel) there.
func (f *Frontend) metadataHooks(ctx context.Context, t *buildTree, c *cacheEntry) ([]byte, error) {
	dir := filepath.Join(t.work, "metadata")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	const hook = "prepare_metadata_for_build_wheel"
	raw, err := f.runHook(ctx, t, hook, map[string]any{"metadata_directory": dir})
	if errors.Is(err, ErrHookMissing) {
		f.logger().Info("backend has no "+hook+"; building a wheel for its metadata", "sdist", t.sdist, "backend", t.system.Backend)
		wheel, err := f.wheelHook(ctx, t)
		if err != nil {
			return nil, err
		}
		md, err := metadataFromWheel(wheel)
		if err != nil {
			return nil, fmt.Errorf("building %s: %w", t.sdist, err)
		}
		if c != nil {
			if err := c.storeWheel(wheel); err != nil {
				return nil, err
			}
		}
		return md, nil
	}
	if err != nil {
		return nil, err
	}
	badResult := func(why string) error {
		return &HookError{Sdist: t.sdist, Hook: hook, Backend: t.system.Backend, Err: fmt.Errorf("%w: returned %s: %s", ErrBackendFailed, raw, why)}
	}
	var distInfo string
	if err := json.Unmarshal(raw, &distInfo); err != nil {
		return nil, badResult("not a string")
	}
	if distInfo == "" || strings.ContainsAny(distInfo, `/\`) || distInfo == "." || distInfo == ".." {
		return nil, badResult("not the name of a directory in metadata_directory")
	}
	md, err := os.ReadFile(filepath.Join(dir, distInfo, "METADATA"))
	if err != nil {
		return nil, badResult(err.Error())
	}
	if _, err := metadata.Parse(md); err != nil {
		return nil, badResult("invalid METADATA: " + err.Error())
	}
	if c != nil {
		if err := c.storeMetadata(md); err != nil {
			return nil, err
		}
	}
	return md, nil
}

// wheelHook runs build_wheel into a fresh directory of the scratch area
// and returns the wheel's path.
func (f *Frontend) wheelHook(ctx context.Context, t *buildTree) (string, error) {
	dir, err := os.MkdirTemp(t.work, "wheel-")
	if err != nil {
		return "", err
	}
	const hook = "build_wheel"
	raw, err := f.runHook(ctx, t, hook, map[string]any{"wheel_directory": dir})
	if err != nil {
		return "", err
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil || path.Base(name) != name || filepath.Base(name) != name {
		return "", &HookError{Sdist: t.sdist, Hook: hook, Backend: t.system.Backend, Err: fmt.Errorf("%w: returned %s, not a file name", ErrBackendFailed, raw)}
	}
	if _, err := distfilename.ParseWheel(name); err != nil {
		return "", &HookError{Sdist: t.sdist, Hook: hook, Backend: t.system.Backend, Err: fmt.Errorf("%w: returned %q: %v", ErrBackendFailed, name, err)}
	}
	wheel := filepath.Join(dir, name)
	if st, err := os.Stat(wheel); err != nil || !st.Mode().IsRegular() {
		return "", &HookError{Sdist: t.sdist, Hook: hook, Backend: t.system.Backend, Err: fmt.Errorf("%w: returned %q, which is not a file in wheel_directory", ErrBackendFailed, name)}
	}
	return wheel, nil
}

// maxMETADATA bounds the METADATA read from a wheel.
const maxMETADATA = 32 << 20

// metadataFromWheel reads "<name>-<version>.dist-info/METADATA" from a
// wheel and checks that it parses.
func metadataFromWheel(wheel string) ([]byte, error) {
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		return nil, fmt.Errorf("reading built wheel %s: %w", filepath.Base(wheel), err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		dir, file, ok := strings.Cut(zf.Name, "/")
		if !ok || file != "METADATA" || !strings.HasSuffix(dir, ".dist-info") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("reading %s from built wheel %s: %w", zf.Name, filepath.Base(wheel), err)
		}
		md, err := io.ReadAll(io.LimitReader(rc, maxMETADATA))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s from built wheel %s: %w", zf.Name, filepath.Base(wheel), err)
		}
		if _, err := metadata.Parse(md); err != nil {
			return nil, fmt.Errorf("built wheel %s: invalid %s: %w", filepath.Base(wheel), zf.Name, err)
		}
		return md, nil
	}
	return nil, fmt.Errorf("built wheel %s has no .dist-info/METADATA", filepath.Base(wheel))
}
