package pex

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/clusterpack/clusterpack/internal/hashpipe"
	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/pack/wheel"
	"github.com/clusterpack/clusterpack/pypa/distfilename"
)

// Zip64Note says which Pythons can run a pex that needs zip64, the
// extension of the zip format for archives of 65,535 entries or more, or
// of 4 GiB or more. Write returns it in Result.Note for such a pex.
const Zip64Note = "This pex needs zip64 (65,535 files or more, or 4 GiB or more). " +
	"CPython runs a zip application through zipimport, which reads zip64 archives only from CPython 3.13 on: " +
	"CPython 3.7 to 3.12 do not recognise the file as a zip application and read it as a script, failing at startup " +
	"with a SyntaxError (\"source code cannot contain null bytes\") before any code of the pex runs, so nothing in the pex can work around it. " +
	"Target CPython 3.13 or later, or use the venv format (a zip or tar of a virtual environment), which has no such limit."

// ErrZip64Unsupported is wrapped by the error Write returns when the
// environment needs zip64 and Options.PythonVersion is older than 3.13,
// which cannot run it (see Zip64Note).
var ErrZip64Unsupported = errors.New("pex needs zip64, which this Python cannot run")

// Options control Write.
type Options struct {
	// PythonVersion is the target CPython (major, minor), 3.7 or later;
	// required.
	PythonVersion [2]int

	// Shebang is the first line of the file, without its newline;
	// default "#!/usr/bin/env pythonX.Y" for PythonVersion. It must
	// start with "#!".
	Shebang string

	// EntryPoint, when set, is what the pex runs instead of acting as
	// the interpreter: "module:function" (calls the function and exits
	// with its return value, like a console script) or "module" (runs
	// the module as __main__, sys.argv unchanged). PEX_INTERPRETER=1
	// at run time ignores it.
	EntryPoint string

	// ContentHash is the environment's content hash computed by the
	// caller; required, letters, digits, '.', '_' and '-' only. It is
	// PEX-INFO's pex_hash and code_hash, and names the directory the pex
	// unpacks into, so two pexes with one hash must hold the same files.
	ContentHash string

	// InheritPath is PEX-INFO's inherit_path: "false" (the default when
	// empty: the base interpreter's site-packages are hidden),
	// "fallback" (visible after the pex's distributions) or "prefer"
	// (visible before them).
	InheritPath string

	// Verify says how wheel members copied raw are checked against the
	// wheels' RECORD; the zero value hashes every member. Use
	// wheel.VerifySizes only for wheels whose sha256 the caller checked.
	Verify wheel.Verification

	// Env is PEX-INFO's inject_env: environment variables the pex sets
	// when it starts, unless they are already set.
	Env map[string]string

	// Layers are the layer files (written by WriteLayer) this pex loads,
	// in order: at start its bootstrap finds each file beside the pex,
	// unpacks it once into PEX_ROOT/installed/<layer hash> and puts its
	// chroots on sys.path after the pex's own (see the package
	// documentation). No wheel may be both in the pex and in a layer.
	Layers []LayerRef
}

// LayerRef names one layer a pex loads.
type LayerRef struct {
	// File is the layer's file name, "layer-<hash>.pex": a plain name,
	// looked up beside the pex at run time.
	File string
	// ContentHash is the layer's hash (LayerOptions.ContentHash): its
	// PEX-INFO's pex_hash, checked when the layer is unpacked, and the
	// name of the directory it is unpacked into.
	ContentHash string
	// Dists are the layer's distributions (its Result.Distributions), in
	// sys.path order.
	Dists []Dist
}

// LayerOptions control WriteLayer.
type LayerOptions struct {
	// PythonVersion is the target CPython (major, minor), 3.7 or later;
	// required.
	PythonVersion [2]int
	// ContentHash is the layer's hash computed by the caller; required,
	// as Options.ContentHash. It is the layer's PEX-INFO pex_hash and
	// code_hash and names the directory the layer is unpacked into, so
	// two layers with one hash must hold the same files.
	ContentHash string
	// Verify is as Options.Verify.
	Verify wheel.Verification
}

// Dist is one distribution in a pex.
type Dist struct {
	Name    string // the project name, as its METADATA spells it
	Version string // the version, as its METADATA spells it
	Wheel   string // the wheel's file name, also its chroot .deps/<Wheel>/
}

// Result describes a pex Write wrote.
type Result struct {
	Size   int64  // bytes written
	SHA256 string // lower-case hex digest of the bytes written
	Files  int    // zip entries
	// Zip64 says the archive needed zip64, and Note then says which
	// Pythons can run it (Zip64Note).
	Zip64 bool
	Note  string
	// Distributions lists the wheels, in sys.path order.
	Distributions []Dist
}

// Scheme is where Write installs each part of a wheel inside its chroot
// .deps/<wheel file name>/, as pex lays out its wheel chroots.
func Scheme(pythonVersion [2]int) wheel.Scheme {
	return wheel.Scheme{
		Purelib: ".",
		Platlib: ".",
		Scripts: ".prefix/bin",
		Data:    ".prefix",
		Headers: fmt.Sprintf(".prefix/include/site/python%d.%d", pythonVersion[0], pythonVersion[1]),
	}
}

// deflateLevel is the fixed compression level of the files Write
// generates; a fixed level keeps the output reproducible.
const deflateLevel = 6

// scriptShebang is what scripts and launchers in .prefix/bin get: the
// wheel package's relocatable form, "python" beside the script. The pex
// bootstrap never runs them; they are there so that the chroot holds
// the whole installation, as pex's chroots do.
const scriptShebang = "python"

var (
	hashPattern       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`) })
	identifier        = `[\p{L}_][\p{L}\p{N}_]*`
	dotted            = identifier + `(?:\.` + identifier + `)*`
	entryPointPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^` + dotted + `(?::` + dotted + `)?$`) })
)

// check validates opts and fills in the defaults.
func (o Options) check() (Options, error) {
	if o.PythonVersion[0] != 3 || o.PythonVersion[1] < 7 {
		return o, fmt.Errorf("pex: Python %d.%d is not supported (CPython 3.7 or later is)", o.PythonVersion[0], o.PythonVersion[1])
	}
	if o.Shebang == "" {
		o.Shebang = fmt.Sprintf("#!/usr/bin/env python%d.%d", o.PythonVersion[0], o.PythonVersion[1])
	}
	if !strings.HasPrefix(o.Shebang, "#!") || strings.ContainsAny(o.Shebang, "\r\n\x00") {
		return o, fmt.Errorf("pex: shebang %q must start with \"#!\" and hold no newline or NUL", o.Shebang)
	}
	if !hashPattern().MatchString(o.ContentHash) {
		return o, fmt.Errorf("pex: content hash %q must be 1 to 128 letters, digits, '.', '_' or '-', not starting with a punctuation mark", o.ContentHash)
	}
	if o.EntryPoint != "" && !entryPointPattern().MatchString(o.EntryPoint) {
		return o, fmt.Errorf("pex: entry point %q is not \"module\" or \"module:function\" (dotted Python identifiers)", o.EntryPoint)
	}
	switch o.InheritPath {
	case "":
		o.InheritPath = "false"
	case "false", "fallback", "prefer":
	default:
		return o, fmt.Errorf("pex: inherit path %q is not \"false\", \"fallback\" or \"prefer\"", o.InheritPath)
	}
	for k, v := range o.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return o, fmt.Errorf("pex: environment variable %q: names must be non-empty without '=' or NUL, values without NUL", k)
		}
	}
	files, hashes, wheels := map[string]bool{}, map[string]bool{o.ContentHash: true}, map[string]bool{}
	for _, l := range o.Layers {
		if !plainName(l.File) {
			return o, fmt.Errorf("pex: layer file %q must be a plain file name", l.File)
		}
		if files[l.File] {
			return o, fmt.Errorf("pex: layer file %s given twice", l.File)
		}
		files[l.File] = true
		if !hashPattern().MatchString(l.ContentHash) {
			return o, fmt.Errorf("pex: layer %s: content hash %q must be 1 to 128 letters, digits, '.', '_' or '-', not starting with a punctuation mark", l.File, l.ContentHash)
		}
		if hashes[l.ContentHash] {
			return o, fmt.Errorf("pex: layer %s: content hash %s is the pex's or another layer's", l.File, l.ContentHash)
		}
		hashes[l.ContentHash] = true
		if len(l.Dists) == 0 {
			return o, fmt.Errorf("pex: layer %s lists no distributions", l.File)
		}
		for _, d := range l.Dists {
			if _, err := distfilename.ParseWheel(d.Wheel); err != nil || !plainName(d.Wheel) {
				return o, fmt.Errorf("pex: layer %s: distribution %q is not a wheel file name", l.File, d.Wheel)
			}
			if wheels[d.Wheel] {
				return o, fmt.Errorf("pex: layer %s: wheel %s is in another layer too", l.File, d.Wheel)
			}
			wheels[d.Wheel] = true
		}
	}
	return o, nil
}

// plainName says whether s is a file name without a directory.
func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00\r\n")
}

// Write writes a pex holding the wheels at the paths wheels to w, and
// describes it. The wheels are installed in the order of their file
// names, which must be distinct valid wheel file names; each member is
// checked against its wheel's RECORD (see wheel.Install). Nothing is held
// in memory beyond one member's copy buffer, whatever the wheels' sizes.
//
// The output depends only on the wheels' contents and file names and on
// opts: not on the wheels' directories, the clock, the umask or the
// user. On error, w holds a partial pex that the caller discards.
//
// When the archive needs zip64 (see Zip64Note) and opts.PythonVersion is
// older than 3.13, Write fails with an error wrapping
// ErrZip64Unsupported, before writing anything when the wheels' sizes
// already show it, else after writing the whole pex (the Result is
// returned with the error).
//
// With opts.Layers the pex is the base of a layered environment: its
// Result.Distributions are the wheels it holds itself, and its PEX-INFO
// names the layers (see Info.Layers).
func Write(ctx context.Context, w io.Writer, wheels []string, opts Options) (*Result, error) {
	opts, err := opts.check()
	if err != nil {
		return nil, err
	}
	sorted, err := sortWheels(wheels)
	if err != nil {
		return nil, err
	}
	for _, wh := range sorted {
		for _, l := range opts.Layers {
			for _, d := range l.Dists {
				if d.Wheel == wh.name {
					return nil, fmt.Errorf("pex: wheel %s is in the pex and in its layer %s", wh.name, l.File)
				}
			}
		}
	}
	canZip64 := opts.PythonVersion[1] >= 13
	if !canZip64 {
		if err := precheckSize(ctx, sorted, opts.PythonVersion); err != nil {
			return nil, err
		}
	}
	res, err := writeArchive(ctx, w, sorted, archiveSpec{
		shebang: opts.Shebang,
		python:  opts.PythonVersion,
		verify:  opts.Verify,
		main: func(dists []Dist, pth map[string]bool) ([]byte, error) {
			return bootstrap(opts, dists, pth)
		},
		info: func(dists []Dist, digests map[string]string) *Info {
			return newInfo(opts, dists, digests)
		},
	})
	if err != nil {
		return nil, err
	}
	if res.Zip64 {
		res.Note = Zip64Note
		if !canZip64 {
			return res, fmt.Errorf("pex: %d files, %d bytes for Python %d.%d: %w. %s",
				res.Files, res.Size, opts.PythonVersion[0], opts.PythonVersion[1], ErrZip64Unsupported, Zip64Note)
		}
	}
	return res, nil
}

// WriteLayer writes a layer of a layered pex environment to w: a zip
// holding the wheels' chroots (.deps/<wheel file name>/, laid out as
// Write lays them out) and a PEX-INFO whose pex_hash is opts.ContentHash,
// with no shebang and no bootstrap, since a layer is never run itself:
// the base pex (Write with Options.Layers) that names it loads it. The
// wheels, the checks and the reproducibility are as in Write; the output
// depends on nothing but the wheels and opts, so the same wheels give the
// same layer, byte for byte, in every environment.
//
// A layer may need zip64 whatever its Python: the base's bootstrap reads
// it with zipfile, which reads zip64 in every CPython 3, not through
// zipimport (Result.Zip64 says so; Result.Note stays empty).
func WriteLayer(ctx context.Context, w io.Writer, wheels []string, opts LayerOptions) (*Result, error) {
	base, err := Options{PythonVersion: opts.PythonVersion, ContentHash: opts.ContentHash, Verify: opts.Verify}.check()
	if err != nil {
		return nil, err
	}
	if len(wheels) == 0 {
		return nil, errors.New("pex: a layer needs at least one wheel")
	}
	sorted, err := sortWheels(wheels)
	if err != nil {
		return nil, err
	}
	return writeArchive(ctx, w, sorted, archiveSpec{
		python: opts.PythonVersion,
		verify: opts.Verify,
		info: func(dists []Dist, digests map[string]string) *Info {
			return newInfo(base, dists, digests)
		},
	})
}

// archiveSpec is what differs between a pex and a layer.
type archiveSpec struct {
	shebang string // the first line, or "" for none
	python  [2]int
	verify  wheel.Verification
	// main renders __main__.py; nil for none.
	main func(dists []Dist, pth map[string]bool) ([]byte, error)
	info func(dists []Dist, digests map[string]string) *Info
}

// writeArchive writes the zip: the shebang line, one chroot per wheel,
// __main__.py and PEX-INFO last.
func writeArchive(ctx context.Context, w io.Writer, sorted []wheelFile, spec archiveSpec) (*Result, error) {
	// The wheels' sha256 digests for PEX-INFO are computed on the side
	// while the installation reads them; PEX-INFO is the last entry.
	hashes := make(chan hashResult, 1)
	hashCtx, cancelHash := context.WithCancel(ctx)
	defer cancelHash()
	go hashWheels(hashCtx, sorted, hashes)

	hw := hashpipe.New(w, sha256.New())
	defer hw.Close()
	cw := &countingWriter{w: hw}
	if spec.shebang != "" {
		if _, err := io.WriteString(cw, spec.shebang+"\n"); err != nil {
			return nil, fmt.Errorf("pex: writing the shebang: %w", err)
		}
	}
	zw := zip.NewWriter(cw)
	zw.SetOffset(cw.n)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, deflateLevel)
	})

	res := &Result{}
	pth := map[string]bool{} // wheels with .pth files at their chroot's root
	for _, wh := range sorted {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in, err := wheel.Install(ctx, wh.path, wheel.ZipDestination(zw, ".deps/"+wh.name+"/"), wheel.Options{
			Scheme:  Scheme(spec.python),
			Shebang: scriptShebang,
			Verify:  spec.verify,
		})
		if err != nil {
			return nil, fmt.Errorf("pex: installing %s: %w", wh.name, err)
		}
		res.Files += len(in.Files)
		res.Distributions = append(res.Distributions, Dist{Name: in.Name, Version: in.Version, Wheel: wh.name})
		for _, f := range in.Files {
			if !strings.Contains(f.Path, "/") && strings.HasSuffix(f.Path, ".pth") {
				pth[wh.name] = true
				break
			}
		}
	}
	if spec.main != nil {
		boot, err := spec.main(res.Distributions, pth)
		if err != nil {
			return nil, err
		}
		if err := writeFile(zw, "__main__.py", 0o644, boot); err != nil {
			return nil, fmt.Errorf("pex: writing __main__.py: %w", err)
		}
		res.Files++
	}

	var digests map[string]string
	select {
	case hr := <-hashes:
		if hr.err != nil {
			return nil, hr.err
		}
		digests = hr.digests
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	infoJSON, err := spec.info(res.Distributions, digests).marshal()
	if err != nil {
		return nil, fmt.Errorf("pex: encoding PEX-INFO: %w", err)
	}
	if err := writeFile(zw, "PEX-INFO", 0o644, infoJSON); err != nil {
		return nil, fmt.Errorf("pex: writing PEX-INFO: %w", err)
	}
	res.Files++
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("pex: writing the zip central directory: %w", err)
	}
	res.Size = cw.n
	res.SHA256 = hex.EncodeToString(hw.Sum())
	res.Zip64 = cw.zip64()
	return res, nil
}

// wheelFile is one input wheel.
type wheelFile struct {
	path string // as given
	name string // its file name
}

// sortWheels orders the wheels by file name and checks the names.
func sortWheels(paths []string) ([]wheelFile, error) {
	out := make([]wheelFile, 0, len(paths))
	seen := map[string]string{}
	for _, p := range paths {
		name := filepath.Base(p)
		if _, err := distfilename.ParseWheel(name); err != nil {
			return nil, fmt.Errorf("pex: wheel %s: %w", p, err)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("pex: wheel %s given twice (%s and %s)", name, prev, p)
		}
		seen[name] = p
		out = append(out, wheelFile{path: p, name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// precheckSize fails early when the wheels' central directories already
// show that the pex will need zip64, which pythonVersion cannot run.
func precheckSize(ctx context.Context, wheels []wheelFile, pythonVersion [2]int) error {
	var entries, size int64 = 2, 0
	for _, wh := range wheels {
		if err := ctx.Err(); err != nil {
			return err
		}
		zr, err := zip.OpenReader(wh.path)
		if err != nil {
			return fmt.Errorf("pex: wheel %s: %w", wh.name, err)
		}
		for _, f := range zr.File {
			entries++
			size += int64(f.CompressedSize64)
		}
		zr.Close()
	}
	if entries >= 0xffff || size >= 0xffffffff {
		return fmt.Errorf("pex: the wheels hold %d files, %d compressed bytes, for Python %d.%d: %w. %s",
			entries, size, pythonVersion[0], pythonVersion[1], ErrZip64Unsupported, Zip64Note)
	}
	return nil
}

type hashResult struct {
	digests map[string]string // wheel file name → sha256 hex
	err     error
}

// hashWheels computes the sha256 of each wheel file.
func hashWheels(ctx context.Context, wheels []wheelFile, out chan<- hashResult) {
	digests := make(map[string]string, len(wheels))
	buf := make([]byte, 256<<10)
	for _, wh := range wheels {
		if ctx.Err() != nil {
			out <- hashResult{err: ctx.Err()}
			return
		}
		d, err := hashFile(wh.path, buf)
		if err != nil {
			out <- hashResult{err: fmt.Errorf("pex: hashing wheel %s: %w", wh.name, err)}
			return
		}
		digests[wh.name] = d
	}
	out <- hashResult{digests: digests}
}

func hashFile(path string, buf []byte) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFile adds a deflated entry dated 1980-01-01 with content.
func writeFile(zw *zip.Writer, name string, mode os.FileMode, content []byte) error {
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate}
	reproducible.SetZipEpoch(fh)
	fh.SetMode(mode)
	fw, err := zw.CreateHeader(fh)
	if err != nil {
		return err
	}
	_, err = fw.Write(content)
	return err
}

// countingWriter counts what goes through it and keeps the last bytes,
// to see whether the zip writer ended with zip64 records.
type countingWriter struct {
	w    io.Writer
	n    int64
	tail []byte
}

// tailSize is the zip64 end of central directory record (56 bytes), its
// locator (20) and the end of central directory record (22).
const tailSize = 56 + 20 + 22

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if n >= tailSize {
		c.tail = append(c.tail[:0], p[n-tailSize:n]...)
	} else {
		c.tail = append(c.tail, p[:n]...)
		if len(c.tail) > tailSize {
			c.tail = append(c.tail[:0], c.tail[len(c.tail)-tailSize:]...)
		}
	}
	return n, err
}

// zip64 says whether the archive ended with a zip64 end of central
// directory locator before the (comment-less) end record.
func (c *countingWriter) zip64() bool {
	if len(c.tail) < tailSize {
		return false
	}
	locator := c.tail[tailSize-22-20 : tailSize-22]
	return bytes.Equal(locator[:4], []byte("PK\x06\x07"))
}

// pyLiteral renders v (strings, lists and maps of strings) as a Python
// literal; JSON's string syntax is a subset of Python's.
func pyLiteral(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
