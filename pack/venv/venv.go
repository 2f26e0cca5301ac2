package venv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/pack/wheel"
)

// Format is the archive format of an environment.
type Format int

const (
	// Zip writes a zip archive (the default): the wheels' compressed
	// members are copied as they are, so building costs little more
	// than reading the wheels once.
	Zip Format = iota
	// TarGz writes a gzip-compressed tar archive. Every wheel member is
	// inflated and compressed again (in parallel, see Options.Parallelism):
	// slower to build than Zip. Unpackers that drop a zip's Unix modes
	// keep a tar's; YARN sets its own modes on both (see the package
	// documentation).
	TarGz
)

// String names the format as a file extension: "zip" or "tar.gz".
func (f Format) String() string {
	switch f {
	case Zip:
		return "zip"
	case TarGz:
		return "tar.gz"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Options control Write.
type Options struct {
	// Format is the archive format; the zero value is Zip.
	Format Format
	// PythonVersion is the target CPython (major, minor), e.g. {3, 11}.
	// It may be left zero with BundlePython, which then decides it.
	PythonVersion [2]int
	// PythonPath is the interpreter bin/python runs on the nodes: an
	// absolute path (also written as pyvenv.cfg's home directory), or a
	// bare command name looked up on PATH when bin/python starts. Empty
	// means "pythonX.Y" looked up on PATH. Ignored with BundlePython.
	PythonPath string
	// BundlePython is a local CPython (a path to its executable) whose
	// installation is copied into the environment, so that nodes need no
	// Python; empty for none. See the package documentation.
	BundlePython string
	// Prompt is the activate prompt and pyvenv.cfg's prompt; default
	// "venv".
	Prompt string
	// Parallelism bounds the goroutines compressing at the same time
	// (tar.gz blocks, the environment's own files in a zip); zero means
	// runtime.GOMAXPROCS(0). The archive's bytes do not depend on it.
	Parallelism int
	// Verify says how wheel members copied raw are checked against the
	// wheels' RECORD; the zero value hashes every member. Use
	// wheel.VerifySizes only for wheels whose sha256 the caller checked.
	Verify wheel.Verification
	// Layers makes the environment the base of a layered one: the
	// layer directory names ("layer-<hash>") it loads at interpreter
	// start, in this order, from beside its own directory (see the
	// package documentation). Each is an archive WriteLayer wrote.
	Layers []string
	// LayerWheels are the wheels of the layers: only what they install
	// into bin/ (scripts, entry-point launchers) is written into this
	// environment, so that a layer's console scripts run from the base's
	// bin/; the rest is in their layers.
	LayerWheels []string
}

// Dist is a distribution installed into the environment.
type Dist struct {
	Name    string // as the wheel's METADATA spells it
	Version string
	Wheel   string // the wheel's file name
}

// Result describes a written environment archive.
type Result struct {
	Size   int64  // bytes written
	SHA256 string // lower-case hex digest of the bytes written
	Files  int    // regular files in the archive (directories not counted)
	// Zip64 reports whether the zip needed the zip64 extensions (65,535
	// entries or more, or 4 GiB); always false for TarGz.
	Zip64 bool
	// Distributions lists what was installed, in installation order (by
	// wheel file name).
	Distributions []Dist
	// LayerDistributions lists the distributions of Options.LayerWheels,
	// whose scripts only were installed, in the same order.
	LayerDistributions []Dist
	// Interpreter is the path, relative to the archive's root, of the
	// program to run on a node: "bin/python".
	Interpreter string
}

// ErrConflict is wrapped by the error for two files at one path in the
// environment (two wheels shipping one module, or a wheel's script
// named like the launcher).
var ErrConflict = errors.New("path conflict")

// BundleError says that the Python to bundle (Options.BundlePython)
// cannot be bundled, or is not of the environment's version.
type BundleError struct {
	Python string // Options.BundlePython
	Err    error
}

func (e *BundleError) Error() string { return fmt.Sprintf("bundling %s: %v", e.Python, e.Err) }
func (e *BundleError) Unwrap() error { return e.Err }

// PythonPathError says that the interpreter the launcher runs on the
// nodes (Options.PythonPath) is not one it can name.
type PythonPathError struct {
	Path   string // Options.PythonPath
	Reason string // "must be an absolute path or a command name"
}

func (e *PythonPathError) Error() string {
	return fmt.Sprintf("the nodes' interpreter %q %s", e.Path, e.Reason)
}

// ownFile is one of the files the environment has besides the wheels'.
type ownFile struct {
	name    string
	mode    fs.FileMode
	content []byte // nil for a file read from src
	src     string // a local file, dereferenced
	size    int64
}

func (f ownFile) open() (io.ReadCloser, error) {
	if f.content != nil {
		return io.NopCloser(bytes.NewReader(f.content)), nil
	}
	return os.Open(f.src)
}

// Write builds a relocatable virtual environment from wheels and writes
// it to w as an archive whose root is the environment's root. The wheels
// are installed in the order of their file names; the environment's own
// files come first, sorted. See the package documentation for the layout
// and how it runs wherever it is unpacked.
//
// Nothing of the build machine enters the archive but the wheels'
// content (and, with BundlePython, that interpreter's files): the same
// wheels and options give the same bytes on any machine, day, umask or
// working directory.
func Write(ctx context.Context, w io.Writer, wheels []string, opts Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Format != Zip && opts.Format != TarGz {
		return nil, fmt.Errorf("venv: unknown format %v", opts.Format)
	}
	if opts.Prompt == "" {
		opts.Prompt = "venv"
	}
	if strings.ContainsAny(opts.Prompt, "\n\r\x00") {
		return nil, fmt.Errorf("venv: prompt %q contains a newline or NUL", opts.Prompt)
	}
	var bundle *bundled
	if opts.BundlePython != "" {
		var err error
		bundle, err = inspectPython(ctx, opts.BundlePython)
		if err != nil {
			return nil, err
		}
		if opts.PythonVersion == ([2]int{}) {
			opts.PythonVersion = bundle.version
		} else if opts.PythonVersion != bundle.version {
			return nil, fmt.Errorf("venv: %w", &BundleError{Python: opts.BundlePython, Err: fmt.Errorf("it is Python %d.%d, the environment is for %d.%d",
				bundle.version[0], bundle.version[1], opts.PythonVersion[0], opts.PythonVersion[1])})
		}
	}
	if opts.PythonVersion[0] != 3 || opts.PythonVersion[1] < 0 {
		return nil, fmt.Errorf("venv: Python version %d.%d is not supported (3.x is)", opts.PythonVersion[0], opts.PythonVersion[1])
	}
	xy := fmt.Sprintf("%d.%d", opts.PythonVersion[0], opts.PythonVersion[1])

	if err := checkLayers(opts.Layers); err != nil {
		return nil, err
	}
	own, err := ownFiles(opts, xy, bundle)
	if err != nil {
		return nil, err
	}
	// A wheel given twice, in either list, is refused.
	if _, err := sortWheels(append(append([]string(nil), wheels...), opts.LayerWheels...)); err != nil {
		return nil, err
	}
	sorted, _ := sortWheels(wheels)
	layerWheels, _ := sortWheels(opts.LayerWheels)
	res, err := writeSink(ctx, w, opts.Format, opts.Parallelism, func(ctx context.Context, s sink, par int) (*Result, error) {
		return build(ctx, s, own, sorted, layerWheels, opts, par)
	})
	if err != nil {
		return nil, err
	}
	res.Interpreter = "bin/python"
	return res, nil
}

// build writes the own files, then the wheels, then the scripts of the
// layers' wheels.
func build(ctx context.Context, s sink, own []ownFile, wheels, layerWheels []string, opts Options, par int) (*Result, error) {
	if err := writeOwnFiles(ctx, s, own, par); err != nil {
		return nil, err
	}
	res := &Result{}
	scheme := wheel.VenvScheme(opts.PythonVersion, false)
	for _, p := range wheels {
		d, err := installOne(ctx, s, s, p, scheme, opts.Verify)
		if err != nil {
			return nil, err
		}
		res.Distributions = append(res.Distributions, d)
	}
	scripts := filtered{s: s, keep: func(p string) bool { return underDir(p, scheme.Scripts) }, claim: true}
	for _, p := range layerWheels {
		d, err := installOne(ctx, s, scripts, p, scheme, opts.Verify)
		if err != nil {
			return nil, err
		}
		res.LayerDistributions = append(res.LayerDistributions, d)
	}
	return res, nil
}

// writeOwnFiles writes the environment's own files, in order.
func writeOwnFiles(ctx context.Context, s sink, own []ownFile, par int) error {
	if z, ok := s.(*zipSink); ok {
		return writeOwnZip(ctx, z, own, par)
	}
	for _, f := range own {
		if err := writeOwn(ctx, s, f); err != nil {
			return err
		}
	}
	return nil
}

// writeOwn writes one own file (or directory, when mode says so).
func writeOwn(ctx context.Context, s sink, f ownFile) error {
	if f.mode.IsDir() {
		return s.addDir(f.name)
	}
	r, err := f.open()
	if err != nil {
		return fmt.Errorf("venv: %w", err)
	}
	defer r.Close()
	if err := s.addFile(ctx, f.name, f.mode, f.size, r); err != nil {
		return fmt.Errorf("venv: %s: %w", describe(f), err)
	}
	return nil
}

func describe(f ownFile) string {
	if f.src != "" {
		return f.src
	}
	return f.name
}

// maxPrecompress is the largest own file compressed ahead of its turn;
// larger ones are compressed when written, so memory stays bounded by
// about 2 × Parallelism × maxPrecompress.
const maxPrecompress = 4 << 20

// writeOwnZip deflates the own files on par goroutines, ahead of the
// writer by at most 2×par files, and adds them in order.
func writeOwnZip(ctx context.Context, z *zipSink, own []ownFile, par int) error {
	type job struct {
		f     ownFile
		c     *compressed
		err   error
		ready chan struct{}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *job, 2*par)
	sem := make(chan struct{}, par)
	go func() {
		defer close(jobs)
		for _, f := range own {
			j := &job{f: f, ready: make(chan struct{})}
			if f.mode.IsDir() || f.size > maxPrecompress {
				close(j.ready)
			} else {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				go func() {
					defer func() { <-sem; close(j.ready) }()
					r, err := j.f.open()
					if err != nil {
						j.err = err
						return
					}
					defer r.Close()
					j.c, j.err = compressEntry(ctx, r, j.f.size)
				}()
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	for j := range jobs {
		<-j.ready
		var err error
		switch {
		case j.err != nil:
			err = fmt.Errorf("venv: %s: %w", describe(j.f), j.err)
		case j.c != nil:
			if err = z.addCompressed(j.f.name, j.f.mode, j.c); err != nil {
				err = fmt.Errorf("venv: %s: %w", describe(j.f), err)
			}
		default:
			err = writeOwn(ctx, z, j.f)
		}
		if err != nil {
			cancel()
			for j := range jobs {
				<-j.ready
			}
			return err
		}
	}
	return ctx.Err()
}

// ownFiles lists the environment's own files, sorted by path: pyvenv.cfg,
// the launchers and activate, the site-packages directory and, with a
// bundled Python, its files.
func ownFiles(opts Options, xy string, b *bundled) ([]ownFile, error) {
	major := fmt.Sprint(opts.PythonVersion[0])
	var files []ownFile
	add := func(name string, mode fs.FileMode, content []byte) {
		files = append(files, ownFile{name: name, mode: mode, content: content, size: int64(len(content))})
	}
	var launch []byte
	version, home := xy, ""
	if b != nil {
		launch = launcher(xy, "", true, b.needsLDPath)
		version = b.fullVersion
		for _, f := range b.files {
			files = append(files, f)
		}
	} else {
		interp := opts.PythonPath
		switch {
		case interp == "":
			interp = "python" + xy
		case strings.HasPrefix(interp, "/"):
			home = filepath.ToSlash(filepath.Dir(interp))
		case strings.ContainsAny(interp, "/\\"):
			return nil, fmt.Errorf("venv: %w", &PythonPathError{Path: interp, Reason: "must be an absolute path or a command name"})
		}
		if strings.ContainsAny(interp, "\n\r\x00") {
			return nil, fmt.Errorf("venv: %w", &PythonPathError{Path: interp, Reason: "contains a newline or NUL"})
		}
		launch = launcher(xy, interp, false, false)
	}
	for _, name := range []string{"python", "python" + major, "python" + xy} {
		add("bin/"+name, 0o755, launch)
	}
	add("bin/activate", 0o644, activate(opts.Prompt))
	add("pyvenv.cfg", 0o644, pyvenvCfg(home, version, opts.Prompt))
	files = append(files, ownFile{name: "lib/python" + xy + "/site-packages", mode: fs.ModeDir | 0o755})
	if len(opts.Layers) > 0 {
		files = append(files, layersFiles(opts.Layers, xy, opts.Format)...)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	for i := 1; i < len(files); i++ {
		if files[i].name == files[i-1].name {
			return nil, fmt.Errorf("venv: %s is written twice: %w", files[i].name, ErrConflict)
		}
	}
	return files, nil
}
