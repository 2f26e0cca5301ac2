package venv

import (
	"archive/zip"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/clusterpack/clusterpack/internal/hashpipe"
	"github.com/clusterpack/clusterpack/pack/wheel"
)

// LayersModule is the module a layered environment's base imports at
// interpreter start (through LayersPth) to put its layers on sys.path.
const (
	LayersModule = "_clusterpack_layers"
	LayersPth    = LayersModule + ".pth"
)

// LayerOptions control WriteLayer.
type LayerOptions struct {
	// Format is the archive format; the zero value is Zip. A layer has
	// the format of the base that loads it.
	Format Format
	// PythonVersion is the target CPython (major, minor).
	PythonVersion [2]int
	// Parallelism bounds the goroutines compressing a tar.gz's blocks;
	// zero means runtime.GOMAXPROCS(0). The bytes do not depend on it.
	Parallelism int
	// Verify is as in Options.
	Verify wheel.Verification
}

// layerName is what a layer directory may be called: one plain path
// component, safe inside a Python string and a message.
var layerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// WriteLayer writes a layer of a layered environment to w: the wheels
// installed as Write installs them, except that what they install into
// bin/ (scripts and entry-point launchers) is left out; the base that
// loads the layer carries those (Options.LayerWheels). The archive's root
// is a prefix of the environment's: lib/pythonX.Y/site-packages/ and any
// .data/data files and headers at their places. It has no launcher, no
// pyvenv.cfg and nothing else of its own but the site-packages directory
// entry, so its bytes depend on the wheels, the format and the Python
// version only. See the package documentation for how the base finds it.
func WriteLayer(ctx context.Context, w io.Writer, wheels []string, opts LayerOptions) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Format != Zip && opts.Format != TarGz {
		return nil, fmt.Errorf("venv: unknown format %v", opts.Format)
	}
	if opts.PythonVersion[0] != 3 || opts.PythonVersion[1] < 0 {
		return nil, fmt.Errorf("venv: Python version %d.%d is not supported (3.x is)", opts.PythonVersion[0], opts.PythonVersion[1])
	}
	sorted, err := sortWheels(wheels)
	if err != nil {
		return nil, err
	}
	xy := fmt.Sprintf("%d.%d", opts.PythonVersion[0], opts.PythonVersion[1])
	own := []ownFile{{name: "lib/python" + xy + "/site-packages", mode: fs.ModeDir | 0o755}}
	scheme := wheel.VenvScheme(opts.PythonVersion, false)
	return writeSink(ctx, w, opts.Format, opts.Parallelism, func(ctx context.Context, s sink, par int) (*Result, error) {
		if err := writeOwnFiles(ctx, s, own, par); err != nil {
			return nil, err
		}
		res := &Result{}
		dest := filtered{s: s, keep: func(p string) bool { return !underDir(p, scheme.Scripts) }}
		for _, p := range sorted {
			d, err := installOne(ctx, s, dest, p, scheme, opts.Verify)
			if err != nil {
				return nil, err
			}
			res.Distributions = append(res.Distributions, d)
		}
		return res, nil
	})
}

// writeSink runs fill on a sink of the format writing to w, finishes
// the archive and describes it.
func writeSink(ctx context.Context, w io.Writer, format Format, par int, fill func(context.Context, sink, int) (*Result, error)) (*Result, error) {
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	hw := hashpipe.New(w, sha256.New())
	defer hw.Close()
	cw := &countWriter{w: hw}
	var s sink
	var gz *parallelGzip
	switch format {
	case Zip:
		s = newZipSink(cw)
	case TarGz:
		gz = newParallelGzip(cw, par, flate.DefaultCompression)
		s = newTarSink(gz)
	}
	res, err := fill(ctx, s, par)
	if err == nil {
		err = s.finish()
	}
	if err == nil && gz != nil {
		err = gz.Close()
	}
	if err != nil {
		s.abort()
		if gz != nil {
			gz.abort()
		}
		return nil, err
	}
	res.Files, res.Zip64 = s.counts()
	res.Size = cw.n
	res.SHA256 = hex.EncodeToString(hw.Sum())
	return res, nil
}

// sortWheels orders wheels by file name and refuses one given twice.
func sortWheels(wheels []string) ([]string, error) {
	sorted := append([]string(nil), wheels...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := filepath.Base(sorted[i]), filepath.Base(sorted[j])
		if a != b {
			return a < b
		}
		return sorted[i] < sorted[j]
	})
	for i := 1; i < len(sorted); i++ {
		if filepath.Base(sorted[i]) == filepath.Base(sorted[i-1]) {
			return nil, fmt.Errorf("venv: wheel %s is given twice (%s and %s)", filepath.Base(sorted[i]), sorted[i-1], sorted[i])
		}
	}
	return sorted, nil
}

// installOne installs the wheel at p into dest (s, or s filtered).
func installOne(ctx context.Context, s sink, dest wheel.RawDestination, p string, scheme wheel.Scheme, verify wheel.Verification) (Dist, error) {
	if err := ctx.Err(); err != nil {
		return Dist{}, err
	}
	s.setOwner(filepath.Base(p))
	in, err := wheel.Install(ctx, p, dest, wheel.Options{Scheme: scheme, Verify: verify})
	if err != nil {
		return Dist{}, fmt.Errorf("venv: installing %s: %w", filepath.Base(p), err)
	}
	return Dist{Name: in.Name, Version: in.Version, Wheel: filepath.Base(p)}, nil
}

// underDir reports whether the slash path p is inside dir.
func underDir(p, dir string) bool { return strings.HasPrefix(p, dir+"/") }

// filtered is a destination that passes to s only the files keep
// accepts; the others are read (the installer checks them as it copies)
// and dropped. It splits a wheel between a layer (all but bin/) and the
// base (bin/ only). With claim set (the base), a dropped file's path is
// still claimed in s, so that two files at one path across the base and
// its layers are a conflict (ErrConflict), as in one environment.
type filtered struct {
	s     sink
	keep  func(path string) bool
	claim bool
}

func (f filtered) Create(name string, mode fs.FileMode) (io.WriteCloser, error) {
	if !f.keep(name) {
		if f.claim {
			if err := f.s.claimOnly(name, nil); err != nil {
				return nil, err
			}
		}
		return discard{}, nil
	}
	return f.s.Create(name, mode)
}

func (f filtered) CreateRaw(name string, fh *zip.FileHeader) (io.Writer, error) {
	if !f.keep(name) {
		if f.claim {
			if err := f.s.claimOnly(name, fh); err != nil {
				return nil, err
			}
		}
		return io.Discard, nil
	}
	return f.s.CreateRaw(name, fh)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

// checkLayers checks the layer directory names a base loads.
func checkLayers(layers []string) error {
	seen := map[string]bool{}
	for _, l := range layers {
		if !layerName.MatchString(l) {
			return fmt.Errorf("venv: layer directory %q: want one path component of letters, digits, '.', '_' and '-'", l)
		}
		if seen[l] {
			return fmt.Errorf("venv: layer %s is listed twice", l)
		}
		seen[l] = true
	}
	return nil
}

// layersFiles are the base's files that load its layers: a .pth file in
// site-packages, which site.py runs at interpreter start, importing
// layersModule.
func layersFiles(layers []string, xy string, format Format) []ownFile {
	sp := "lib/python" + xy + "/site-packages/"
	pth := []byte("import " + LayersModule + "\n")
	mod := layersModule(layers, "lib/python"+xy+"/site-packages", format)
	return []ownFile{
		{name: sp + LayersPth, mode: 0o644, content: pth, size: int64(len(pth))},
		{name: sp + LayersModule + ".py", mode: 0o644, content: mod, size: int64(len(mod))},
	}
}

// layersModule renders _clusterpack_layers.py. At interpreter start it
// looks for each layer directory beside the base: next to the base's
// root as the path reads (YARN links each archive's alias into the
// container's directory, so symbolic links are not resolved first), then
// next to the root with links resolved, then in the current directory;
// and adds the layer's site-packages with site.addsitedir, in the base's
// order, so that the layer's own .pth files work. A layer whose
// site-packages is on sys.path already (a sys.path entry ending in
// <layer>/lib/pythonX.Y/site-packages: the runner puts them there) is
// left alone. A missing layer costs one line on stderr; the rest loads.
// Its tests run it with CPython 3.7 to 3.13.
func layersModule(layers []string, sitePackages string, format Format) []byte {
	var b strings.Builder
	b.WriteString(`"""Puts the layers of this clusterpack environment on sys.path.

Imported by _clusterpack_layers.pth at interpreter start. See the
documentation of clusterpack's pack/venv package.
"""
import os
import site
import sys

LAYERS = (
`)
	for _, l := range layers {
		fmt.Fprintf(&b, "    %s,\n", strconv.Quote(l))
	}
	fmt.Fprintf(&b, `)
SITE_PACKAGES = %s
EXTENSION = %s


def _norm(p):
    return os.path.normcase(os.path.abspath(p))


def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    parents = [os.path.dirname(root), os.path.dirname(os.path.realpath(root))]
    try:
        parents.append(os.getcwd())
    except OSError:
        pass
    seen = set()
    places = []
    for p in parents:
        if _norm(p) not in seen:
            seen.add(_norm(p))
            places.append(p)
    on_path = [_norm(p) for p in sys.path if p]
    on_path_real = set(os.path.normcase(os.path.realpath(p)) for p in sys.path if p)
    for layer in LAYERS:
        tail = os.path.normcase(os.sep + os.path.join(layer, SITE_PACKAGES))
        if any(p.endswith(tail) for p in on_path):
            continue
        for parent in places:
            sp = os.path.join(parent, layer, SITE_PACKAGES)
            if os.path.isdir(sp):
                if os.path.normcase(os.path.realpath(sp)) not in on_path_real:
                    site.addsitedir(sp)
                break
        else:
            sys.stderr.write(
                "clusterpack: layer %%s of the environment %%s is missing (looked in %%s): "
                "ship it beside the environment, e.g. --archives <URL of %%s%%s>#%%s "
                "(clusterpack's spark-args and flink-args print it); going on without it\n"
                %% (layer, root, ", ".join(places), layer, EXTENSION, layer))
            sys.stderr.flush()


_load()
`, strconv.Quote(sitePackages), strconv.Quote("."+format.String()))
	return []byte(b.String())
}
