package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/BurntSushi/toml"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// ReadFile reads and validates the lock file at path. See Read.
func ReadFile(path string) (*Lock, error) {
	return ReadFileMax(path, DefaultMaxSize)
}

// DefaultMaxSize bounds the lock files ReadFile reads: far above real
// locks (thousands of packages with every platform's wheels stay under
// 20 MB), far below what parsing could hold in memory.
const DefaultMaxSize = 64 << 20

// ErrTooLarge is matched (errors.Is) by the error for a lock file over
// the size bound.
var ErrTooLarge = errors.New("lock file too large")

// ReadFileMax is ReadFile with a bound of max bytes on the file.
func ReadFileMax(path string, max int64) (*Lock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lockfile: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return nil, &Error{File: path, Err: fmt.Errorf("%w: %d bytes, over the bound of %d; a real lock is far smaller, so this is likely not a lock (or was generated wrong)", ErrTooLarge, fi.Size(), max)}
	}
	return Read(io.LimitReader(f, max+1), path)
}

// Read parses a pylock.toml from r and validates it; filename is used in
// error messages. Errors are *Error values naming the file, the key path
// and, where known, the line.
//
// Unknown keys: a lock whose lock-version is 1.0 may hold only the keys
// PEP 751 defines, so an unknown key anywhere is an error (ErrUnknownKey);
// tool-specific data belongs under [tool] or [packages.tool], whose
// contents are free-form. A lock of a newer minor version (1.1, ...) may
// carry keys this package does not know: the specification asks for a
// warning, so they are ignored and listed in Lock.Warnings. Free-form
// tables (dependencies, attestation-identities, tool) are kept as they are.
//
// Read never keeps credentials: userinfo is stripped from every URL
// (redact.Strip), so a lock read and written again holds no secret.
func Read(r io.Reader, filename string) (*Lock, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("lockfile: reading %s: %w", filename, err)
	}
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: filename, Line: pe.Position.Line, Err: fmt.Errorf("%w: %s", ErrSyntax, pe.Message)}
		}
		return nil, &Error{File: filename, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
	}
	// The TOML library (BurntSushi/toml 1.6.0) silently drops values of
	// an array whose inline tables have an empty key, so such keys are
	// refused rather than risk reading less than the file says.
	for _, k := range md.Keys() {
		if slices.Contains(k, "") {
			return nil, &Error{File: filename, Key: k.String(), Err: fmt.Errorf("%w: empty keys are not supported", ErrInvalidValue)}
		}
	}
	l, err := decodeLock(raw)
	if err == nil {
		l.stripCredentials()
		err = l.Validate()
	}
	if err != nil {
		return nil, locate(err, filename, data, raw)
	}
	return l, nil
}

// locate adds the file name, and the line of the package at fault, to err.
func locate(err error, filename string, data []byte, raw map[string]any) error {
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", filename, err)
	}
	e.File = filename
	i, ok := packageIndex(e.Key)
	if !ok {
		return e
	}
	if e.Package == "" {
		e.Package = rawPackageLabel(raw, i)
	}
	if e.Line == 0 {
		e.Line = packageHeaderLine(data, i)
	}
	return e
}

// rawPackageLabel is "name version" of the i-th raw package, as far as
// it is known.
func rawPackageLabel(raw map[string]any, i int) string {
	var m map[string]any
	switch pkgs := raw["packages"].(type) {
	case []map[string]any:
		if i < len(pkgs) {
			m = pkgs[i]
		}
	case []any:
		if i < len(pkgs) {
			m, _ = pkgs[i].(map[string]any)
		}
	}
	name, _ := m["name"].(string)
	version, _ := m["version"].(string)
	return packageLabel(name, version)
}

// packageHeaderLine returns the line of the i-th "[[packages]]" header,
// or 0 when the packages are not written with such headers.
func packageHeaderLine(data []byte, i int) int {
	n := 0
	for lineNo, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if !bytes.HasPrefix(line, []byte("[[")) {
			continue
		}
		end := bytes.Index(line, []byte("]]"))
		if end < 0 || string(bytes.TrimSpace(line[2:end])) != "packages" {
			continue
		}
		if n == i {
			return lineNo + 1
		}
		n++
	}
	return 0
}

// decodeLock turns the decoded TOML document into a Lock, checking types,
// required keys and unknown keys. Validate checks the rest.
func decodeLock(raw map[string]any) (*Lock, error) {
	l := &Lock{}
	top := newTable(raw, "", true, &l.Warnings)
	var err error
	if l.LockVersion, err = top.requiredStr("lock-version"); err != nil {
		return nil, err
	}
	v, err := pep440.Parse(l.LockVersion)
	if err != nil {
		return nil, problem("lock-version", ErrUnsupportedVersion, "%q is not a version", l.LockVersion)
	}
	if rel := v.Release(); rel[0] != 1 || v.Epoch() != 0 {
		return nil, problem("lock-version", ErrUnsupportedVersion, "%q: only major version 1 is supported", l.LockVersion)
	}
	top.strict = v.Equal(pep440.MustParse(SupportedLockVersion))

	if l.Environments, err = top.strList("environments"); err != nil {
		return nil, err
	}
	if l.RequiresPython, err = top.str("requires-python"); err != nil {
		return nil, err
	}
	if l.Extras, err = top.strList("extras"); err != nil {
		return nil, err
	}
	if l.DependencyGroups, err = top.strList("dependency-groups"); err != nil {
		return nil, err
	}
	if l.DefaultGroups, err = top.strList("default-groups"); err != nil {
		return nil, err
	}
	if l.CreatedBy, err = top.requiredStr("created-by"); err != nil {
		return nil, err
	}
	if _, ok := raw["packages"]; !ok {
		return nil, problem("packages", ErrMissingKey, `"packages" is required (write "packages = []" for none)`)
	}
	pkgs, err := top.tables("packages")
	if err != nil {
		return nil, err
	}
	for _, pt := range pkgs {
		p, err := decodePackage(pt)
		if err != nil {
			return nil, err
		}
		l.Packages = append(l.Packages, p)
	}
	if l.Tool, err = top.freeTable("tool"); err != nil {
		return nil, err
	}
	if err := top.done(); err != nil {
		return nil, err
	}
	return l, nil
}

func decodePackage(t *table) (Package, error) {
	var p Package
	var err error
	if p.Name, err = t.requiredStr("name"); err != nil {
		return p, err
	}
	if p.Version, err = t.str("version"); err != nil {
		return p, err
	}
	if p.Marker, err = t.str("marker"); err != nil {
		return p, err
	}
	if p.RequiresPython, err = t.str("requires-python"); err != nil {
		return p, err
	}
	if p.Dependencies, err = t.freeTables("dependencies"); err != nil {
		return p, err
	}
	if p.Index, err = t.str("index"); err != nil {
		return p, err
	}
	if p.VCS, err = decodeVCS(t); err != nil {
		return p, err
	}
	if p.Directory, err = decodeDirectory(t); err != nil {
		return p, err
	}
	if p.Archive, err = decodeArchive(t); err != nil {
		return p, err
	}
	if p.Sdist, err = decodeSdist(t); err != nil {
		return p, err
	}
	wheels, err := t.tables("wheels")
	if err != nil {
		return p, err
	}
	if wheels != nil {
		p.Wheels = make([]Wheel, 0, len(wheels))
	}
	for _, wt := range wheels {
		w, err := decodeWheel(wt)
		if err != nil {
			return p, err
		}
		p.Wheels = append(p.Wheels, w)
	}
	if p.AttestationIdentities, err = t.freeTables("attestation-identities"); err != nil {
		return p, err
	}
	if p.Tool, err = t.freeTable("tool"); err != nil {
		return p, err
	}
	return p, t.done()
}

func decodeVCS(pt *table) (*VCS, error) {
	t, err := pt.sub("vcs")
	if t == nil || err != nil {
		return nil, err
	}
	v := &VCS{}
	if v.Type, err = t.requiredStr("type"); err != nil {
		return nil, err
	}
	if v.URL, err = t.str("url"); err != nil {
		return nil, err
	}
	if v.Path, err = t.str("path"); err != nil {
		return nil, err
	}
	if v.RequestedRevision, err = t.str("requested-revision"); err != nil {
		return nil, err
	}
	if v.CommitID, err = t.requiredStr("commit-id"); err != nil {
		return nil, err
	}
	if v.Subdirectory, err = t.str("subdirectory"); err != nil {
		return nil, err
	}
	return v, t.done()
}

func decodeDirectory(pt *table) (*Directory, error) {
	t, err := pt.sub("directory")
	if t == nil || err != nil {
		return nil, err
	}
	d := &Directory{}
	if d.Path, err = t.requiredStr("path"); err != nil {
		return nil, err
	}
	if d.Editable, err = t.boolean("editable"); err != nil {
		return nil, err
	}
	if d.Subdirectory, err = t.str("subdirectory"); err != nil {
		return nil, err
	}
	return d, t.done()
}

func decodeArchive(pt *table) (*Archive, error) {
	t, err := pt.sub("archive")
	if t == nil || err != nil {
		return nil, err
	}
	a := &Archive{}
	if a.URL, err = t.str("url"); err != nil {
		return nil, err
	}
	if a.Path, err = t.str("path"); err != nil {
		return nil, err
	}
	if a.Size, err = t.size("size"); err != nil {
		return nil, err
	}
	if a.UploadTime, err = t.datetime("upload-time"); err != nil {
		return nil, err
	}
	if a.Hashes, err = t.hashes(); err != nil {
		return nil, err
	}
	if a.Subdirectory, err = t.str("subdirectory"); err != nil {
		return nil, err
	}
	return a, t.done()
}

func decodeSdist(pt *table) (*Sdist, error) {
	t, err := pt.sub("sdist")
	if t == nil || err != nil {
		return nil, err
	}
	s := &Sdist{}
	if s.Name, err = t.str("name"); err != nil {
		return nil, err
	}
	if s.UploadTime, err = t.datetime("upload-time"); err != nil {
		return nil, err
	}
	if s.URL, err = t.str("url"); err != nil {
		return nil, err
	}
	if s.Path, err = t.str("path"); err != nil {
		return nil, err
	}
	if s.Size, err = t.size("size"); err != nil {
		return nil, err
	}
	if s.Hashes, err = t.hashes(); err != nil {
		return nil, err
	}
	return s, t.done()
}

func decodeWheel(t *table) (Wheel, error) {
	var w Wheel
	var err error
	if w.Name, err = t.str("name"); err != nil {
		return w, err
	}
	if w.UploadTime, err = t.datetime("upload-time"); err != nil {
		return w, err
	}
	if w.URL, err = t.str("url"); err != nil {
		return w, err
	}
	if w.Path, err = t.str("path"); err != nil {
		return w, err
	}
	if w.Size, err = t.size("size"); err != nil {
		return w, err
	}
	if w.Hashes, err = t.hashes(); err != nil {
		return w, err
	}
	return w, t.done()
}

// PackageLine is the line of the "[[packages]]" header of the package
// named name (normalised or not) at version in the lock text data, for
// messages about an entry; 0 when data has no such entry, or does not
// write its packages with such headers.
func PackageLine(data []byte, name, version string) int {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return 0
	}
	var pkgs []map[string]any
	switch v := raw["packages"].(type) {
	case []map[string]any:
		pkgs = v
	case []any:
		for _, p := range v {
			m, _ := p.(map[string]any)
			pkgs = append(pkgs, m)
		}
	}
	for i, p := range pkgs {
		n, _ := p["name"].(string)
		v, _ := p["version"].(string)
		if pep503.Normalize(n) == pep503.Normalize(name) && v == version {
			return packageHeaderLine(data, i)
		}
	}
	return 0
}
