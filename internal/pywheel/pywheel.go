// Package pywheel writes the Python wheels that ship clusterpack itself
// (`make dist`): a binary as a script under <name>-<version>.data/scripts,
// as ruff and uv ship theirs, beside a Python package, with the
// .dist-info files and a RECORD of sha256s. The output is reproducible:
// the same files give the same bytes (sorted members, the fixed
// timestamp and modes of internal/reproducible).
package pywheel

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/record"
)

// File is one member of the wheel.
type File struct {
	// Path is the member's path in the wheel, with '/' separators:
	// "pkg/__init__.py" (installed into site-packages) or
	// Wheel.ScriptsDir()+"/tool" (installed into the scripts directory).
	Path string
	// Executable marks a member mode 0o755; others are 0o644.
	Executable bool
	// Open opens the member's content.
	Open func() (io.ReadCloser, error)
}

// Bytes is a File's Open for content held in memory.
func Bytes(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// Wheel describes a wheel to write.
type Wheel struct {
	// Name is the distribution name, a PEP 503-normalisable name.
	Name string
	// Version is a PEP 440 version.
	Version string
	// Tags are the wheel's tags, most specific first: "py3-none-manylinux_2_17_x86_64".
	Tags []string
	// Summary and RequiresPython fill the METADATA fields of the same names.
	Summary, RequiresPython string
	// Generator names the tool in the WHEEL file.
	Generator string
	// Files are the members besides the .dist-info ones.
	Files []File
}

var (
	nameRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	// separators are the runs a wheel file name spells as one '_'.
	separators = regexp.MustCompile(`[-_.]+`)
)

// escapedName is the name as wheel filenames spell it: runs of -_. as _.
func (w *Wheel) escapedName() string {
	return separators.ReplaceAllString(strings.ToLower(w.Name), "_")
}

// escapedVersion is the version as wheel filenames spell it.
func (w *Wheel) escapedVersion() string { return strings.ReplaceAll(w.Version, "-", "_") }

// DistInfoDir is the wheel's .dist-info directory.
func (w *Wheel) DistInfoDir() string {
	return w.escapedName() + "-" + w.escapedVersion() + ".dist-info"
}

// ScriptsDir is the directory whose members installers put into the
// environment's scripts directory (bin/ on POSIX).
func (w *Wheel) ScriptsDir() string {
	return w.escapedName() + "-" + w.escapedVersion() + ".data/scripts"
}

// Filename is the wheel's PEP 427 file name, its tags compressed into
// one python-abi-platform triple with '.'-joined alternatives.
func (w *Wheel) Filename() (string, error) {
	if err := w.check(); err != nil {
		return "", err
	}
	var py, abi, plat []string
	for _, t := range w.Tags {
		p := strings.Split(t, "-")
		py, abi, plat = addOnce(py, p[0]), addOnce(abi, p[1]), addOnce(plat, p[2])
	}
	return fmt.Sprintf("%s-%s-%s-%s-%s.whl", w.escapedName(), w.escapedVersion(),
		strings.Join(py, "."), strings.Join(abi, "."), strings.Join(plat, ".")), nil
}

func addOnce(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

func (w *Wheel) check() error {
	if !nameRe.MatchString(w.Name) {
		return fmt.Errorf("wheel name %q is not a valid distribution name", w.Name)
	}
	if _, err := pep440.Parse(w.Version); err != nil {
		return fmt.Errorf("wheel version %q: %w", w.Version, err)
	}
	if len(w.Tags) == 0 {
		return errors.New("wheel has no tags")
	}
	for _, t := range w.Tags {
		if p := strings.Split(t, "-"); len(p) != 3 || p[0] == "" || p[1] == "" || p[2] == "" {
			return fmt.Errorf("wheel tag %q is not python-abi-platform", t)
		}
	}
	seen := map[string]bool{}
	for _, f := range w.Files {
		clean := path.Clean(f.Path)
		switch {
		case f.Path == "" || clean != f.Path || path.IsAbs(f.Path) || clean == ".." || strings.HasPrefix(clean, "../"):
			return fmt.Errorf("wheel member %q is not a clean relative path", f.Path)
		case strings.HasPrefix(f.Path, w.DistInfoDir()+"/"):
			return fmt.Errorf("wheel member %s: the .dist-info files are written by pywheel", f.Path)
		case seen[f.Path]:
			return fmt.Errorf("wheel member %s given twice", f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

// Write writes the wheel to out: the files sorted by path, then the
// .dist-info files, RECORD last, as PEP 427 recommends.
func (w *Wheel) Write(out io.Writer) error {
	if err := w.check(); err != nil {
		return err
	}
	files := append([]File(nil), w.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	di := w.DistInfoDir()
	files = append(files,
		File{Path: di + "/METADATA", Open: Bytes([]byte(w.metadata()))},
		File{Path: di + "/WHEEL", Open: Bytes([]byte(w.wheelFile()))},
	)
	zw := zip.NewWriter(out)
	var rec []record.Entry
	for _, f := range files {
		e, err := writeMember(zw, f)
		if err != nil {
			return err
		}
		rec = append(rec, e)
	}
	rec = append(rec, record.Entry{Path: di + "/RECORD", Size: -1})
	var rb bytes.Buffer
	if err := record.Write(&rb, rec); err != nil {
		return err
	}
	if _, err := writeMember(zw, File{Path: di + "/RECORD", Open: Bytes(rb.Bytes())}); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finishing the wheel: %w", err)
	}
	return nil
}

// writeMember writes f deflated and returns its RECORD row.
func writeMember(zw *zip.Writer, f File) (record.Entry, error) {
	mode := fs.FileMode(0o644)
	if f.Executable {
		mode = 0o755
	}
	fh := &zip.FileHeader{Name: f.Path, Method: zip.Deflate}
	reproducible.SetZipEpoch(fh)
	fh.SetMode(reproducible.Mode(mode))
	zf, err := zw.CreateHeader(fh)
	if err != nil {
		return record.Entry{}, fmt.Errorf("adding %s to the wheel: %w", f.Path, err)
	}
	r, err := f.Open()
	if err != nil {
		return record.Entry{}, fmt.Errorf("opening %s: %w", f.Path, err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(zf, h), r)
	if err != nil {
		return record.Entry{}, fmt.Errorf("writing %s into the wheel: %w", f.Path, err)
	}
	return record.Entry{Path: f.Path, Hash: record.Hash{Algorithm: "sha256", Digest: h.Sum(nil)}, Size: n}, nil
}

func (w *Wheel) metadata() string {
	var b strings.Builder
	b.WriteString("Metadata-Version: 2.1\n")
	fmt.Fprintf(&b, "Name: %s\n", w.Name)
	fmt.Fprintf(&b, "Version: %s\n", w.Version)
	if w.Summary != "" {
		fmt.Fprintf(&b, "Summary: %s\n", w.Summary)
	}
	if w.RequiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", w.RequiresPython)
	}
	return b.String()
}

func (w *Wheel) wheelFile() string {
	var b strings.Builder
	b.WriteString("Wheel-Version: 1.0\n")
	if w.Generator != "" {
		fmt.Fprintf(&b, "Generator: %s\n", w.Generator)
	}
	// Not purelib: the wheel holds a platform binary.
	b.WriteString("Root-Is-Purelib: false\n")
	for _, t := range w.Tags {
		fmt.Fprintf(&b, "Tag: %s\n", t)
	}
	return b.String()
}
