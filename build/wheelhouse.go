package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// A wheelhouse is FLIP-78's offline requirements: a directory of the
// lock's wheels (those built from sdists included) and a requirements.txt
// pinning each with its sha256, which
//
//	pip install --no-index --find-links DIR -r DIR/requirements.txt
//
// installs with no index, in pip's hash-checking mode (PyFlink runs just
// that on its Python workers for python.requirements).

// RequirementsFile is the name of a wheelhouse's requirements file.
const RequirementsFile = "requirements.txt"

// WheelFile is one wheel of a wheelhouse.
type WheelFile struct {
	Filename string `json:"filename"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
}

// wheelhouseRequirements is the requirements file of the wheels (sorted
// by package name): one pinned line each, with its hash.
func wheelhouseRequirements(dirName string, arts []Artifact, files []WheelFile) []byte {
	type pin struct{ name, version, sum string }
	pins := make([]pin, len(arts))
	for i, a := range arts {
		pins[i] = pin{pep503.Normalize(a.Name), a.Version, files[i].SHA256}
	}
	sort.Slice(pins, func(i, j int) bool { return pins[i].name < pins[j].name })
	var b bytes.Buffer
	fmt.Fprintf(&b, "# The wheels of %s, each pinned with its sha256 (pip's hash-checking mode).\n", dirName)
	fmt.Fprintf(&b, "# Written by clusterpack as a wheelhouse; install it with no index:\n")
	fmt.Fprintf(&b, "#   pip install --no-index --find-links %s -r %s/%s\n", dirName, dirName, RequirementsFile)
	for _, p := range pins {
		fmt.Fprintf(&b, "%s==%s \\\n    --hash=sha256:%s\n", p.name, p.version, p.sum)
	}
	return b.Bytes()
}

// writeWheelhouse copies the wheels into a new directory beside dir and
// renames it to dir once it is complete, with requirements.txt; it
// returns what the manifest says of it.
func writeWheelhouse(ctx context.Context, p *Plan, dir string, wheels []string, report progress.Func) (*Manifest, error) {
	tmp, err := atomicfile.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	files := make([]WheelFile, len(wheels))
	total := wheelBytes(wheels)
	var done int64
	m := &Manifest{}
	for i, src := range wheels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := filepath.Base(src)
		if p.Artifacts[i].Wheel {
			name = p.Artifacts[i].Filename
		}
		if !strings.HasSuffix(name, ".whl") || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("package %s: %q is not a wheel file name", p.Artifacts[i].Name, name)
		}
		wf, err := copyWheel(src, filepath.Join(tmp, name))
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", p.Artifacts[i].Name, err)
		}
		files[i] = *wf
		done += wf.Size
		report.Report(progress.Event{Step: progress.Write, Name: filepath.Base(dir), Done: done, Total: total})
		m.Packages = append(m.Packages, Package{pep503.Normalize(p.Artifacts[i].Name), p.Artifacts[i].Version})
	}
	req := wheelhouseRequirements(filepath.Base(dir), p.Artifacts, files)
	if err := os.WriteFile(filepath.Join(tmp, RequirementsFile), req, 0o644); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(req)
	m.SHA256, m.Size = hex.EncodeToString(sum[:]), done+int64(len(req))
	m.Wheels = files
	sort.Slice(m.Wheels, func(i, j int) bool { return m.Wheels[i].Filename < m.Wheels[j].Filename })
	// A wheelhouse there already is not the one its manifest describes
	// (Build checked): it is replaced.
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return m, nil
}

// copyWheel copies a wheel with mode 0644 and hashes it on the way.
func copyWheel(src, dst string) (*WheelFile, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("copying %s into the wheelhouse: %w", filepath.Base(src), err)
	}
	return &WheelFile{Filename: filepath.Base(dst), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// wheelhouseMatches reports whether the wheelhouse dir is the one m
// describes: its requirements file and every wheel, by sha256, and
// nothing else in it.
func wheelhouseMatches(dir string, m *Manifest) (bool, error) {
	req, err := os.ReadFile(filepath.Join(dir, RequirementsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the wheelhouse: %w", err)
	}
	if sum := sha256.Sum256(req); hex.EncodeToString(sum[:]) != m.SHA256 || len(m.Wheels) == 0 {
		return false, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != len(m.Wheels)+1 {
		return false, nil
	}
	for _, w := range m.Wheels {
		f, err := os.Open(filepath.Join(dir, filepath.Base(w.Filename)))
		if err != nil {
			return false, nil
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil || hex.EncodeToString(h.Sum(nil)) != w.SHA256 {
			return false, nil
		}
	}
	return true, nil
}

// writeManifestFile writes m as the manifest at path, atomically.
func writeManifestFile(path string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}
