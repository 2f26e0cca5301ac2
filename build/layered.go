package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/pack/pex"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/pack/wheel"
	"github.com/clusterpack/clusterpack/pypa/metadata"
)

// layersMatch reports whether m lists the plan's layers and every one
// is in outDir as m describes it, and sets each one's Archive.
func layersMatch(cacheDir, outDir string, p *Plan, m *Manifest) (bool, error) {
	if len(m.Layers) != len(p.Layers) {
		return false, nil
	}
	for i, l := range p.Layers {
		if m.Layers[i].Name != l.Name {
			return false, nil
		}
	}
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
}

// buildLayered writes a layered environment (see layers.go): each layer
// not in outDir already, then the base, each under a temporary name;
// once verified is nil (every wheel is the locked file, with a truthful
// RECORD), the layers get their names, then the base, then the manifest.
func buildLayered(ctx context.Context, p *Plan, outDir string, env Env, wheels []string, verified <-chan error, prev *Manifest) (*Manifest, error) {
	vformat := venv.Zip
	if p.Options.Format == FormatTarGz {
		vformat = venv.TarGz
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
	var pexLayers []pex.LayerRef
	for i, a := range p.Artifacts {
		if !p.InLayer(a.Name) {
			baseWheels = append(baseWheels, wheels[i])
		}
	}
	for _, l := range p.Layers {
		var lw []string
		ref := pex.LayerRef{File: l.Name, ContentHash: l.ContentHash}
		ml := Layer{Name: l.Name, Dir: l.Dir, ContentHash: l.ContentHash, Archive: filepath.Join(outDir, l.Name)}
		for _, a := range l.Artifacts {
			w := wheels[byName[a.Name]]
			lw = append(lw, w)
			d, err := wheelDist(a, w)
			if err != nil {
				return nil, verifiedFirst(verified, err)
			}
			ref.Dists = append(ref.Dists, d)
			ml.Packages = append(ml.Packages, Package{d.Name, d.Version})
		}
		layerWheels, layerDirs, pexLayers = append(layerWheels, lw...), append(layerDirs, l.Dir), append(pexLayers, ref)
		if sha, size, ok := layerThere(env.CacheDir, ml.Archive, prev); ok {
			ml.SHA256, ml.Size, ml.Reused = sha, size, true
			m.Layers = append(m.Layers, ml)
			continue
		}
		f, size, err := writeTemp(outDir, l.Name, lw, env, 0o644, func(w io.Writer) (string, error) {
			if p.Options.Format == FormatPex {
				res, err := pex.WriteLayer(ctx, w, lw, pex.LayerOptions{PythonVersion: p.Python, ContentHash: l.ContentHash, Verify: wheel.VerifySizes})
				if err != nil {
					return "", err
				}
				return res.SHA256, nil
			}
			res, err := venv.WriteLayer(ctx, w, lw, venv.LayerOptions{Format: vformat, PythonVersion: p.Python, Verify: wheel.VerifySizes})
			if err != nil {
				return "", err
			}
			return res.SHA256, nil
		})
		if f.tmp != "" {
			pending = append(pending, f)
		}
		if err != nil {
			return nil, verifiedFirst(verified, err)
		}
		ml.SHA256, ml.Size = f.sha, size
		m.Layers = append(m.Layers, ml)
	}
	mode := os.FileMode(0o644)
	if p.Options.Format == FormatPex {
		mode = 0o755
	}
	f, size, err := writeTemp(outDir, p.Filename(), baseWheels, env, mode, func(w io.Writer) (string, error) {
		if p.Options.Format == FormatPex {
			res, err := pex.Write(ctx, w, baseWheels, pex.Options{PythonVersion: p.Python, Shebang: p.Options.Shebang, EntryPoint: p.Options.EntryPoint,
				ContentHash: p.ContentHash, Layers: pexLayers, Verify: wheel.VerifySizes})
			if err != nil {
				return "", err
			}
			m.Interpreter, m.Note = "./"+p.Filename(), res.Note
			for _, d := range res.Distributions {
				m.Packages = append(m.Packages, Package{d.Name, d.Version})
			}
			return res.SHA256, nil
		}
		res, err := venv.Write(ctx, w, baseWheels, venv.Options{Format: vformat, PythonVersion: p.Python, PythonPath: p.Options.PythonPath, BundlePython: p.Options.BundlePython,
			Layers: layerDirs, LayerWheels: layerWheels, Verify: wheel.VerifySizes})
		if err != nil {
			return "", err
		}
		m.Interpreter = "environment/" + res.Interpreter
		for _, d := range res.Distributions {
			m.Packages = append(m.Packages, Package{d.Name, d.Version})
		}
		return res.SHA256, nil
	})
	if f.tmp != "" {
		pending = append(pending, f)
	}
	if err != nil {
		return nil, verifiedFirst(verified, err)
	}
	m.SHA256, m.Size = f.sha, size
	for _, l := range m.Layers {
		m.Packages = append(m.Packages, l.Packages...)
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

// wheelDist names the distribution of a layer's wheel as its METADATA
// spells it, as the writers do: a layer found in the output directory
// is not read, its wheel is.
func wheelDist(a Artifact, path string) (pex.Dist, error) {
	data, err := wheelMetadata(path)
	if err != nil {
		return pex.Dist{}, fmt.Errorf("package %s: reading the METADATA of %s: %w", a.Name, filepath.Base(path), err)
	}
	md, err := metadata.Parse(data)
	if err != nil {
		return pex.Dist{}, fmt.Errorf("package %s: the METADATA of %s: %w", a.Name, filepath.Base(path), err)
	}
	return pex.Dist{Name: md.Name, Version: md.Version, Wheel: filepath.Base(path)}, nil
}

// writeTemp writes an archive with write (which returns its sha256) into
// a temporary file of outDir that is to be renamed to name, counting its
// bytes for the progress report. The file is closed, with mode, when
// write succeeds.
func writeTemp(outDir, name string, wheels []string, env Env, mode os.FileMode, write func(io.Writer) (string, error)) (pendingFile, int64, error) {
	tmp, err := atomicfile.CreateTemp(outDir, "."+name+".")
	if err != nil {
		return pendingFile{}, 0, err
	}
	f := pendingFile{tmp: tmp.Name(), final: filepath.Join(outDir, name)}
	cw := &writeCounter{w: tmp, name: name, total: wheelBytes(wheels), report: env.Progress}
	sha, err := write(cw)
	if err != nil {
		tmp.Close()
		return f, 0, err
	}
	f.sha = sha
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return f, 0, err
	}
	if err := tmp.Close(); err != nil {
		return f, 0, err
	}
	return f, cw.n, nil
}
