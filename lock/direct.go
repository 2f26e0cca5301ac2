package lock

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/index/artifacts"
	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/pypa/metadata"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/sdist/build517"
)

// reference is a requirement given by location: a wheel or sdist at a URL
// or path, or a project directory (editable or not).
type reference struct {
	source   string // where it was written, for messages: "requirements.txt:3" or "argument"
	req      pep508.Requirement
	named    bool // req.Name was given (else it comes from the metadata)
	location string
	editable bool
}

// directResolver reads the metadata of direct references.
type directResolver struct {
	client   *index.Client
	cache    *artifacts.Cache
	frontend *build517.Frontend
	tmp      string
}

func (d *directResolver) resolve(ctx context.Context, ref reference) (*resolve.Direct, error) {
	loc := ref.location
	if u, err := url.Parse(loc); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		switch {
		case u.Scheme == "file":
			loc = u.Path
		case u.Scheme == "http" || u.Scheme == "https":
			return d.remote(ctx, ref, u)
		default:
			return nil, fmt.Errorf("%s: %s: %s requirements are not supported yet; build a wheel and require it by path", ref.source, redact.Mask(ref.location), u.Scheme)
		}
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.source, err)
	}
	if fi.IsDir() {
		md, err := d.dirMetadata(ctx, abs)
		if err != nil {
			return nil, fmt.Errorf("%s: project %s: %w", ref.source, abs, err)
		}
		return d.finish(ref, &resolve.Direct{Metadata: md, Dir: abs, Editable: ref.editable})
	}
	if ref.editable {
		return nil, fmt.Errorf("%s: -e needs a project directory, not the file %s", ref.source, abs)
	}
	f := index.File{Filename: filepath.Base(abs), URL: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()}
	return d.file(ctx, ref, f)
}

func (d *directResolver) remote(ctx context.Context, ref reference, u *url.URL) (*resolve.Direct, error) {
	if ref.editable {
		return nil, fmt.Errorf("%s: -e needs a local project directory, not %s", ref.source, redact.Mask(ref.location))
	}
	hashes := map[string]string{}
	if frag := u.Fragment; frag != "" {
		for _, part := range strings.Split(frag, "&") {
			if k, v, ok := strings.Cut(part, "="); ok && (k == "sha256" || k == "sha384" || k == "sha512") {
				hashes[k] = strings.ToLower(v)
			}
		}
	}
	clean := *u
	clean.Fragment = ""
	f := index.File{Filename: filepath.Base(clean.Path), URL: clean.String(), Hashes: hashes}
	return d.file(ctx, ref, f)
}

// file reads the metadata of a wheel or sdist and records its hash.
func (d *directResolver) file(ctx context.Context, ref reference, f index.File) (*resolve.Direct, error) {
	path, sum, err := d.cache.Get(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.source, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	f.Hashes = map[string]string{"sha256": sum}
	f.Size = fi.Size()
	var data []byte
	switch {
	case strings.HasSuffix(f.Filename, ".whl"):
		local := f
		local.URL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
		data, err = d.client.Metadata(ctx, local)
	case strings.HasSuffix(f.Filename, ".tar.gz") || strings.HasSuffix(f.Filename, ".zip"):
		data, err = d.frontend.Metadata(ctx, path, sum)
	default:
		return nil, fmt.Errorf("%s: %s is neither a wheel (.whl) nor a source distribution (.tar.gz, .zip)", ref.source, f.Filename)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.source, err)
	}
	md, err := metadata.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", ref.source, f.Filename, err)
	}
	return d.finish(ref, &resolve.Direct{Metadata: md, File: &f})
}

// finish checks the name the user wrote against the metadata.
func (d *directResolver) finish(ref reference, dr *resolve.Direct) (*resolve.Direct, error) {
	name := dr.Metadata.Name
	if ref.named && pep503.Normalize(ref.req.Name) != pep503.Normalize(name) {
		return nil, fmt.Errorf("%s: %s is %s, not %s", ref.source, redact.Mask(ref.location), name, ref.req.Name)
	}
	r := ref.req
	r.Name = name
	dr.Requirement = r
	return dr, nil
}

// pyprojectProject is the part of [project] that static metadata needs.
type pyprojectProject struct {
	Project struct {
		Name                 string              `toml:"name"`
		Version              string              `toml:"version"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		RequiresPython       string              `toml:"requires-python"`
		Dynamic              []string            `toml:"dynamic"`
	} `toml:"project"`
}

// dirMetadata returns a project directory's metadata: from the static
// [project] table of pyproject.toml when name, version and dependencies
// are all static (PEP 621), else by running its build backend on a
// deterministic archive of the directory.
func (d *directResolver) dirMetadata(ctx context.Context, dir string) (*metadata.Metadata, error) {
	data, err := os.ReadFile(filepath.Join(dir, "pyproject.toml"))
	if err == nil {
		var pp pyprojectProject
		if _, err := toml.Decode(string(data), &pp); err != nil {
			return nil, fmt.Errorf("pyproject.toml: %w", err)
		}
		p := pp.Project
		dynamic := map[string]bool{}
		for _, f := range p.Dynamic {
			dynamic[f] = true
		}
		if p.Name != "" && p.Version != "" && !dynamic["version"] && !dynamic["dependencies"] && !dynamic["optional-dependencies"] && !dynamic["requires-python"] {
			var b strings.Builder
			fmt.Fprintf(&b, "Metadata-Version: 2.2\nName: %s\nVersion: %s\n", p.Name, p.Version)
			if p.RequiresPython != "" {
				fmt.Fprintf(&b, "Requires-Python: %s\n", p.RequiresPython)
			}
			for _, r := range p.Dependencies {
				fmt.Fprintf(&b, "Requires-Dist: %s\n", r)
			}
			extras := make([]string, 0, len(p.OptionalDependencies))
			for extra := range p.OptionalDependencies {
				extras = append(extras, extra)
			}
			sort.Strings(extras)
			for _, extra := range extras {
				fmt.Fprintf(&b, "Provides-Extra: %s\n", extra)
				for _, r := range p.OptionalDependencies[extra] {
					fmt.Fprintf(&b, "Requires-Dist: %s\n", withExtraMarker(r, extra))
				}
			}
			return metadata.Parse([]byte(b.String()))
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	archive, sum, err := archiveDir(dir, d.tmp)
	if err != nil {
		return nil, err
	}
	defer os.Remove(archive)
	data, err = d.frontend.Metadata(ctx, archive, sum)
	if err != nil {
		return nil, err
	}
	return metadata.Parse(data)
}

// withExtraMarker adds `extra == "x"` to a requirement's marker.
func withExtraMarker(req, extra string) string {
	cond := fmt.Sprintf(`extra == "%s"`, pep503.Normalize(extra))
	r, err := pep508.ParseRequirement(req)
	if err != nil {
		return req // the metadata parser reports it with its line
	}
	if r.Marker == nil {
		return req + "; " + cond
	}
	head := strings.TrimSpace(req[:strings.LastIndex(req, ";")])
	return head + "; (" + r.Marker.String() + ") and " + cond
}

// skipDirs are never part of a project archive.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, "__pycache__": true, ".venv": true, "venv": true, ".tox": true, ".nox": true, "build": true, "dist": true, ".mypy_cache": true, ".pytest_cache": true, "node_modules": true}

// archiveDir writes a deterministic tar.gz of a project directory (sorted,
// fixed times and modes, no VCS or build directories) for the PEP 517
// frontend, and returns its path and sha256.
func archiveDir(dir, tmpDir string) (string, string, error) {
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return "", "", err
	}
	out, err := os.CreateTemp(tmpDir, "project-*.tar.gz")
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	gz, _ := gzip.NewWriterLevel(io.MultiWriter(out, h), gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	epoch := reproducible.Epoch()
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if e.IsDir() && path != dir && (skipDirs[e.Name()] || strings.HasSuffix(e.Name(), ".egg-info")) {
			return filepath.SkipDir
		}
		name := "src"
		if rel != "." {
			name += "/" + filepath.ToSlash(rel)
		}
		switch {
		case e.IsDir():
			return tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX})
		case e.Type().IsRegular():
			fi, err := e.Info()
			if err != nil {
				return err
			}
			mode := int64(reproducible.Mode(fi.Mode()))
			if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: fi.Size(), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			return err
		}
		return nil // symlinks and special files stay out
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", "", fmt.Errorf("archiving %s: %w", dir, err)
	}
	return out.Name(), hex.EncodeToString(h.Sum(nil)), nil
}
