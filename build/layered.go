package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/pack/wheel"
)

// ErrPexLayers: --layers was asked of a pex, which this build cannot
// split yet.
var ErrPexLayers = errors.New("--layers with --format pex needs the pex writer's layers (pack/pex WriteLayer), which this build of clusterpack lacks: use --format zip or tar.gz with --layers, or drop --layers")

// layersMatch reports whether every layer of m is in outDir as m
// describes it, and sets each one's Archive.
func layersMatch(cacheDir, outDir string, m *Manifest) (bool, error) {
	for i := range m.Layers {
		l := &m.Layers[i]
		path := filepath.Join(outDir, l.Name)
		ok, err := matchesManifest(cacheDir, path, &Manifest{SHA256: l.SHA256, Size: l.Size})
		if err != nil || !ok {
			return false, err
		}
		l.Archive = path
	}
	return true, nil
}

// layerThere reports whether outDir holds the layer file path already,
// complete: known by the previous manifest of this environment (prev,
// may be nil) and matching its size and sha256, or stamped in the cache
// when a build wrote or checked it last (another environment's build
// writes the same layer into the same directory).
func layerThere(cacheDir, path string, prev *Manifest) (sha string, size int64, ok bool) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", 0, false
	}
	if prev != nil {
		for _, l := range prev.Layers {
			if l.Name == filepath.Base(path) {
				if ok, err := matchesManifest(cacheDir, path, &Manifest{SHA256: l.SHA256, Size: l.Size}); err == nil && ok {
					return l.SHA256, l.Size, true
				}
			}
		}
	}
	if sha := stampedSHA(cacheDir, path); sha != "" {
		return sha, fi.Size(), true
	}
	return "", 0, false
}

// pendingFile is an archive written under a temporary name, renamed
// into place once every wheel is verified.
type pendingFile struct {
	tmp, final, sha string
	mode            os.FileMode
}

// buildLayered writes a layered environment (see layers.go): each layer
// not in outDir already, then the base, each under a temporary name;
// once verified is nil (every wheel is the locked file, with a truthful
// RECORD), the layers get their names, then the base, then the manifest.
func buildLayered(ctx context.Context, p *Plan, outDir string, env Env, wheels []string, verified <-chan error, prev *Manifest) (*Manifest, error) {
	format := venv.Zip
	if p.Options.Format == FormatTarGz {
		format = venv.TarGz
	}
	byName := map[string]int{}
	for i, a := range p.Artifacts {
		byName[a.Name] = i
	}
	var pending []pendingFile
	defer func() {
		for _, f := range pending {
			os.Remove(f.tmp)
		}
	}()
	m := &Manifest{ClusterpackVersion: env.Version}
	p.Describe(m)
	var baseWheels, layerWheels, layerDirs []string
	for _, l := range p.Layers {
		layerDirs = append(layerDirs, l.Dir)
	}
	for i, a := range p.Artifacts {
		if !p.InLayer(a.Name) {
			baseWheels = append(baseWheels, wheels[i])
		}
	}
	for _, l := range p.Layers {
		var lw []string
		for _, a := range l.Artifacts {
			lw = append(lw, wheels[byName[a.Name]])
		}
		layerWheels = append(layerWheels, lw...)
		path := filepath.Join(outDir, l.Name)
		ml := Layer{Name: l.Name, Dir: l.Dir, ContentHash: l.ContentHash, Archive: path}
		if sha, size, ok := layerThere(env.CacheDir, path, prev); ok {
			ml.SHA256, ml.Size = sha, size
			m.Layers = append(m.Layers, ml)
			continue
		}
		f, res, err := writeTemp(outDir, l.Name, lw, env, func(w io.Writer) (*venv.Result, error) {
			return venv.WriteLayer(ctx, w, lw, venv.LayerOptions{Format: format, PythonVersion: p.Python, Verify: wheel.VerifySizes})
		})
		if f.tmp != "" {
			pending = append(pending, f)
		}
		if err != nil {
			return nil, verifiedFirst(verified, err)
		}
		ml.SHA256, ml.Size = res.SHA256, res.Size
		for _, d := range res.Distributions {
			ml.Packages = append(ml.Packages, Package{d.Name, d.Version})
		}
		m.Layers = append(m.Layers, ml)
	}
	f, res, err := writeTemp(outDir, p.Filename(), baseWheels, env, func(w io.Writer) (*venv.Result, error) {
		return venv.Write(ctx, w, baseWheels, venv.Options{Format: format, PythonVersion: p.Python, PythonPath: p.Options.PythonPath, BundlePython: p.Options.BundlePython,
			Layers: layerDirs, LayerWheels: layerWheels, Verify: wheel.VerifySizes})
	})
	if f.tmp != "" {
		pending = append(pending, f)
	}
	if err != nil {
		return nil, verifiedFirst(verified, err)
	}
	m.SHA256, m.Size = res.SHA256, res.Size
	m.Interpreter = "environment/" + res.Interpreter
	for _, d := range res.Distributions {
		m.Packages = append(m.Packages, Package{d.Name, d.Version})
	}
	// The base installed every layer's wheel too (for its scripts): it
	// names their distributions, also for layers that were there already.
	layerOf := map[string]int{}
	for i, l := range p.Layers {
		for _, a := range l.Artifacts {
			layerOf[filepath.Base(wheels[byName[a.Name]])] = i
		}
	}
	for i := range m.Layers {
		m.Layers[i].Packages = nil
	}
	for _, d := range res.LayerDistributions {
		pkg := Package{d.Name, d.Version}
		m.Packages = append(m.Packages, pkg)
		i := layerOf[d.Wheel]
		m.Layers[i].Packages = append(m.Layers[i].Packages, pkg)
	}
	sort.Slice(m.Packages, func(i, j int) bool { return m.Packages[i].Name < m.Packages[j].Name })
	for _, l := range p.Local {
		m.Local = append(m.Local, LocalPkg{Name: l.Name, Path: l.Directory.Path, Editable: l.Directory.Editable})
	}
	if err := <-verified; err != nil {
		return nil, err
	}
	// Layers first: a base never names a layer that is not complete.
	for _, f := range pending {
		if err := os.Rename(f.tmp, f.final); err != nil {
			return nil, fmt.Errorf("moving %s into place: %w", filepath.Base(f.final), err)
		}
		writeStamp(env.CacheDir, f.final, f.sha)
	}
	pending = nil
	archives := make([]string, len(m.Layers))
	for i := range m.Layers {
		archives[i], m.Layers[i].Archive = m.Layers[i].Archive, ""
	}
	if err := writeManifestFile(filepath.Join(outDir, p.ManifestName()), m); err != nil {
		return nil, err
	}
	for i := range m.Layers {
		m.Layers[i].Archive = archives[i]
	}
	m.Archive = filepath.Join(outDir, p.Filename())
	return m, nil
}

// writeTemp writes an archive with write into a temporary file of
// outDir that is to be renamed to name, counting its bytes for the
// progress report. The file is closed and mode 0644 when write succeeds.
func writeTemp(outDir, name string, wheels []string, env Env, write func(io.Writer) (*venv.Result, error)) (pendingFile, *venv.Result, error) {
	tmp, err := atomicfile.CreateTemp(outDir, "."+name+".")
	if err != nil {
		return pendingFile{}, nil, err
	}
	f := pendingFile{tmp: tmp.Name(), final: filepath.Join(outDir, name), mode: 0o644}
	var out io.Writer = tmp
	if env.Progress != nil {
		out = &writeCounter{w: tmp, name: name, total: wheelBytes(wheels), report: env.Progress}
	}
	res, err := write(out)
	if err != nil {
		tmp.Close()
		return f, nil, err
	}
	f.sha = res.SHA256
	if err := tmp.Chmod(f.mode); err != nil {
		tmp.Close()
		return f, nil, err
	}
	if err := tmp.Close(); err != nil {
		return f, nil, err
	}
	return f, res, nil
}
