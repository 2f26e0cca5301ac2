package build

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/index/artifacts"
	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pack/pex"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/pack/wheel"
	"github.com/clusterpack/clusterpack/pypa/metadata"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/sdist/build517"
	"github.com/clusterpack/clusterpack/sdist/buildenv"
	"github.com/clusterpack/clusterpack/target"
)

// Env is what a build needs from the process.
type Env struct {
	Client   *index.Client // downloads (lock.DownloadClient)
	CacheDir string
	Getenv   func(string) string
	Logger   *slog.Logger
	// Version is clusterpack's version, for the manifest.
	Version string
	// Parallelism bounds concurrent downloads (default 8).
	Parallelism int
	// Progress, when set, hears of downloads (bytes of the lock's files in
	// the cache), source distributions built and archive bytes written.
	Progress progress.Func
}

// Manifest describes a built archive; `build --json` prints it.
type Manifest struct {
	Name        string `json:"name"`
	Format      Format `json:"format"`
	ContentHash string `json:"content_hash"`
	Archive     string `json:"archive"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	Python      string `json:"python"`
	Platform    string `json:"platform"`
	Interpreter string `json:"interpreter"`
	// BundledPython says the venv archive carries its own CPython
	// (--bundle-python): nodes need no Python, and Flink's thread mode,
	// which makes the environment PYTHONHOME, finds a standard library.
	BundledPython bool       `json:"bundled_python,omitempty"`
	Packages      []Package  `json:"packages"`
	Local         []LocalPkg `json:"local,omitempty"`
	// Wheels are a wheelhouse's files (its SHA256 is its requirements
	// file's).
	Wheels             []WheelFile `json:"wheels,omitempty"`
	ClusterpackVersion string      `json:"clusterpack_version"`
	Note               string      `json:"note,omitempty"`
	// Layers are the environment's layers (Options.Layers), in the order
	// the base loads them; the base itself is Archive, SHA256 and Size.
	// Packages stays the union of the base's and every layer's.
	Layers []Layer `json:"layers,omitempty"`
	// Reused says Build found the archive (and its layers) in the output
	// directory and wrote nothing; it is not stored.
	Reused bool `json:"-"`
}

// Layer is one layer of a layered environment: a deterministic archive of
// one large distribution, named by its own content hash (see
// Plan.Layers), shipped beside the base and shared by every environment
// that has the same distribution for the same Python and format.
type Layer struct {
	// Name is the layer's file name: "layer-<content hash>.<ext>", the
	// extension being the environment's format's.
	Name string `json:"name"`
	// Dir is where a venv layer is unpacked beside the base on a node,
	// "layer-<content hash>" (the file name without its extension); for a
	// pex, the file name.
	Dir string `json:"dir"`
	// ContentHash is the layer's hash (20 hex characters): the format, the
	// target Python and the artifact's name, version, file name and
	// sha256, and nothing of the environment around it.
	ContentHash string `json:"content_hash"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	// Packages are the distributions in the layer.
	Packages []Package `json:"packages"`
	// Archive is the layer's path on this machine, after build; it is
	// not stored.
	Archive string `json:"archive,omitempty"`
	// URL is where upload put the layer.
	URL string `json:"url,omitempty"`
	// Uploaded says this upload run sent the layer (it was missing).
	Uploaded bool `json:"uploaded,omitempty"`
	// Reused says Build found the layer in the output directory, complete,
	// and did not write it; it is not stored.
	Reused bool `json:"-"`
}

// Package is one distribution in the archive.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// LocalPkg is a directory package of the lock: not in the archive, shipped
// as code by upload.
type LocalPkg struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Editable bool   `json:"editable"`
}

// Build writes the plan's archive and manifest into outDir, unless they
// are there already: the same content hash means the same archive.
// Nothing appears under the final names before it is complete.
func Build(ctx context.Context, p *Plan, outDir string, env Env) (*Manifest, error) {
	archivePath := filepath.Join(outDir, p.Filename())
	manifestPath := filepath.Join(outDir, p.ManifestName())
	// prev is the manifest of an earlier build of this plan, if any: a
	// layered build also learns from it which layers it wrote.
	prev, err := readManifest(manifestPath)
	if err == nil {
		m := prev
		var ok bool
		if p.Options.Format == FormatWheelhouse {
			ok, err = wheelhouseMatches(archivePath, m)
		} else {
			ok, err = matchesManifest(env.CacheDir, archivePath, m)
		}
		if ok && err == nil && p.Options.Layers {
			ok, err = layersMatch(env.CacheDir, outDir, p, m)
		}
		if err != nil {
			return nil, err
		}
		if ok {
			p.Describe(m)
			m.Archive, m.Reused = archivePath, true
			for i := range m.Layers {
				m.Layers[i].Reused = true
			}
			return m, nil
		}
		if env.Logger != nil {
			env.Logger.Warn("the archive in the output directory is not the one its manifest describes (changed or corrupted); building it again", "archive", archivePath)
		}
	}
	wheels, sources, err := fetch(ctx, p, env)
	if err != nil {
		return nil, err
	}
	vctx, stopVerify := context.WithCancel(ctx)
	defer stopVerify()
	verified := make(chan error, 1)
	go func() {
		type recordsResult struct {
			marks []string
			err   error
		}
		records := make(chan recordsResult, 1)
		go func() {
			marks, err := verifyRecords(vctx, p, wheels, env.CacheDir)
			records <- recordsResult{marks, err}
		}()
		err := verifyArtifacts(vctx, &artifacts.Cache{Dir: filepath.Join(env.CacheDir, "artifacts")}, p, sources)
		if err != nil {
			stopVerify() // a file that is not the locked one: its RECORD does not matter
		}
		r := <-records
		if err == nil {
			err = r.err
		}
		if err == nil {
			// Only now is each wheel known to be the locked file.
			writeRecordMarks(env.CacheDir, r.marks)
		}
		verified <- err
	}()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	// Temporary archives of builds that were killed are taken now: never
	// one whose process still runs (atomicfile.RemoveStale).
	if removed := atomicfile.RemoveStale(outDir, "."); len(removed) > 0 && env.Logger != nil {
		env.Logger.Info("removed temporary files that builds killed before they finished left behind", "files", removed)
	}
	if p.Options.Format == FormatWheelhouse {
		// Each wheel must be known to be the locked file before it is
		// copied under the wheelhouse's final name.
		if err := <-verified; err != nil {
			return nil, err
		}
		m, err := writeWheelhouse(ctx, p, archivePath, wheels, env.Progress)
		if err != nil {
			return nil, err
		}
		m.ClusterpackVersion = env.Version
		p.Describe(m)
		for _, l := range p.Local {
			m.Local = append(m.Local, LocalPkg{Name: l.Name, Path: l.Directory.Path, Editable: l.Directory.Editable})
		}
		sort.Slice(m.Packages, func(i, j int) bool { return m.Packages[i].Name < m.Packages[j].Name })
		if err := writeManifestFile(manifestPath, m); err != nil {
			return nil, err
		}
		m.Archive = archivePath
		return m, nil
	}
	if p.Options.Layers {
		return buildLayered(ctx, p, outDir, env, wheels, verified, prev)
	}
	tmp, err := atomicfile.CreateTemp(outDir, "."+p.Filename()+".")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	m := &Manifest{ClusterpackVersion: env.Version}
	p.Describe(m)
	var out io.Writer = tmp
	if env.Progress != nil {
		out = &writeCounter{w: tmp, name: p.Filename(), total: wheelBytes(wheels), report: env.Progress}
	}
	switch p.Options.Format {
	case FormatPex:
		res, err := pex.Write(ctx, out, wheels, pex.Options{PythonVersion: p.Python, Shebang: p.Options.Shebang, EntryPoint: p.Options.EntryPoint, ContentHash: p.ContentHash, Verify: wheel.VerifySizes})
		if err != nil {
			tmp.Close()
			return nil, verifiedFirst(verified, err)
		}
		m.SHA256, m.Size, m.Note = res.SHA256, res.Size, res.Note
		m.Interpreter = "./" + p.Filename()
		for _, d := range res.Distributions {
			m.Packages = append(m.Packages, Package{d.Name, d.Version})
		}
	default:
		format := venv.Zip
		if p.Options.Format == FormatTarGz {
			format = venv.TarGz
		}
		res, err := venv.Write(ctx, out, wheels, venv.Options{Format: format, PythonVersion: p.Python, PythonPath: p.Options.PythonPath, BundlePython: p.Options.BundlePython,
			// Every wheel's sha256 was checked against the lock when it
			// entered the content-addressed cache: trust its RECORD.
			Verify: wheel.VerifySizes})
		if err != nil {
			tmp.Close()
			return nil, verifiedFirst(verified, err)
		}
		m.SHA256, m.Size = res.SHA256, res.Size
		m.Interpreter = "environment/" + res.Interpreter
		for _, d := range res.Distributions {
			m.Packages = append(m.Packages, Package{d.Name, d.Version})
		}
	}
	sort.Slice(m.Packages, func(i, j int) bool { return m.Packages[i].Name < m.Packages[j].Name })
	for _, l := range p.Local {
		m.Local = append(m.Local, LocalPkg{Name: l.Name, Path: l.Directory.Path, Editable: l.Directory.Editable})
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return nil, err
	}
	if p.Options.Format == FormatPex {
		if err := tmp.Chmod(0o755); err != nil {
			tmp.Close()
			return nil, err
		}
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := <-verified; err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), archivePath); err != nil {
		return nil, err
	}
	writeStamp(env.CacheDir, archivePath, m.SHA256)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(manifestPath, append(data, '\n'), 0o644); err != nil {
		return nil, err
	}
	m.Archive = archivePath
	return m, nil
}

// LockMismatchError reports a file whose sha256 is not the one the lock
// records for it: the lock and the file disagree, and which is wrong
// only the user can tell.
type LockMismatchError struct {
	LockFile string
	Line     int // of the package's [[packages]] entry; 0 when unknown
	Package  string
	Version  string
	Filename string
	URL      string // where the file came from (redacted)
	Locked   string // the lock's sha256
	Actual   string // the file's
}

func (e *LockMismatchError) Error() string {
	where := e.LockFile
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.LockFile, e.Line)
	}
	return fmt.Sprintf("%s: package %s %s: the lock and the file disagree: the lock records sha256 %s for %s, but the file from %s has %s. "+
		"If the lock is right, the file changed where it is published (or on the way) and must not be used; if the file is right, lock again",
		where, e.Package, e.Version, e.Locked, e.Filename, e.URL, e.Actual)
}

func lockMismatch(lockFile string, a Artifact, hm *index.HashMismatchError) error {
	line := 0
	if data, err := os.ReadFile(lockFile); err == nil {
		line = lockfile.PackageLine(data, a.Name, a.Version)
	}
	return &LockMismatchError{
		LockFile: lockFile, Line: line, Package: a.Name, Version: a.Version, Filename: a.Filename,
		URL: redact.Mask(a.URL), Locked: a.SHA256, Actual: hm.Actual,
	}
}

// fetch downloads every artifact in parallel into the artifact cache
// (verified against the lock's sha256) and builds sdists into wheels.
func fetch(ctx context.Context, p *Plan, env Env) (wheels, sources []string, err error) {
	dl := newDownloadReport(p.Artifacts, env.Progress)
	cache := &artifacts.Cache{Dir: filepath.Join(env.CacheDir, "artifacts"), Source: env.Client}
	if env.Progress != nil && env.Client != nil {
		cache.Source = env.Client.WithReceived(dl.arrived)
	}
	par := env.Parallelism
	if par <= 0 {
		par = 8
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	paths := make([]string, len(p.Artifacts))
	errs := make([]error, len(p.Artifacts))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, a := range p.Artifacts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			f := index.File{Filename: a.Filename, URL: a.URL, Hashes: map[string]string{"sha256": a.SHA256}}
			path, _, err := cache.Get(ctx, f)
			if err != nil {
				var hm *index.HashMismatchError
				if errors.As(err, &hm) && p.LockFile != "" {
					errs[i] = lockMismatch(p.LockFile, a, hm)
					cancel()
					return
				}
				errs[i] = fmt.Errorf("package %s: %w", a.Name, err)
				cancel()
				return
			}
			paths[i] = path
			dl.done(a)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, firstError(errs)
	}
	sources = paths
	wheels = slices.Clone(paths)
	var sdists []int
	for i, a := range p.Artifacts {
		if !a.Wheel {
			sdists = append(sdists, i)
		}
	}
	if len(sdists) > 0 {
		fe, err := frontend(p, env, cache)
		if err != nil {
			return nil, nil, err
		}
		for _, i := range sdists {
			a := p.Artifacts[i]
			env.Progress.Report(progress.Event{Step: progress.Build, Name: a.Filename})
			whl, err := fe.BuildWheel(ctx, paths[i], a.SHA256, filepath.Join(env.CacheDir, "wheels"))
			if err != nil {
				return nil, nil, fmt.Errorf("package %s: %w", a.Name, err)
			}
			if err := checkBuiltWheel(p, a, whl); err != nil {
				return nil, nil, err
			}
			wheels[i] = whl
		}
	}
	return wheels, sources, nil
}

// verifiedFirst is the verification's error when it failed, else err: a
// writer that failed because a file it read was tampered with (and so
// removed) should say that, not what it tripped over.
func verifiedFirst(verified <-chan error, err error) error {
	if verr := <-verified; verr != nil && !errors.Is(verr, context.Canceled) {
		return verr
	}
	return err
}

// verifyArtifacts hashes every file the archive is made from against the
// lock's sha256, while the archive is written (the files are in the page
// cache then, and the hashing has a core of its own): a cached file that
// changed since it was downloaded (tampered, or corrupted on disk) fails
// the build before the archive gets its final name, and is removed from
// the cache, so the next run downloads it again.
//
// It also reads each wheel's METADATA: the lock was made from the
// metadata the index served beside the wheel (PEP 658), and a wheel that
// requires a project the lock does not list among that package's
// dependencies would ship without it.
func verifyArtifacts(ctx context.Context, cache *artifacts.Cache, p *Plan, paths []string) error {
	env := pep508.Environment(p.Tool.Markers.Environment())
	for i, a := range p.Artifacts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := cache.Verify(paths[i], a.SHA256); err != nil {
			return fmt.Errorf("package %s: %w", a.Name, err)
		}
		if a.Wheel && p.depsRecorded {
			if err := checkRequires(a, paths[i], env, p.LockFile); err != nil {
				return err
			}
		}
	}
	return nil
}

// verifyRecords inflates every member of every wheel the archive is made
// from and checks it against the wheel's RECORD (wheel.VerifyRecord), on
// as many goroutines as there are cores, the largest wheels first, while
// the archive is written with wheel.VerifySizes (raw copies that take
// RECORD's hashes for the installed RECORD). A wheel whose RECORD lies
// about a member fails the build before the archive gets its name, as one
// whose RECORD gives a wrong size does: see wheel.VerifyRecord for why it
// is refused rather than its RECORD recomputed.
//
// Inflating every member costs more than writing the archive (a 125 MiB
// datascience environment: ~1 s of inflate against 0.3 s for the whole
// build), so the outcome is remembered: the result is a function of the
// wheel's bytes alone, and a downloaded wheel's bytes are those of its
// lock sha256, checked on every build by verifyArtifacts. A wheel whose
// sha256 has a mark in the cache (record-verified/, written by Build
// only once both checks passed) is not inflated again; verifyRecords
// returns the sha256s to mark. Wheels built from sdists have no locked
// sha256 and are always checked.
func verifyRecords(ctx context.Context, p *Plan, wheels []string, cacheDir string) (marks []string, err error) {
	var order []int
	size := make([]int64, len(wheels))
	for i, w := range wheels {
		a := p.Artifacts[i]
		if a.Wheel && recordMarked(cacheDir, a.SHA256) {
			continue
		}
		if a.Wheel {
			marks = append(marks, a.SHA256)
		}
		order = append(order, i)
		if fi, err := os.Stat(w); err == nil {
			size[i] = fi.Size()
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] > size[order[b]] })
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(wheels))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := wheel.VerifyRecord(ctx, wheels[i]); err != nil {
					if errors.Is(err, wheel.ErrRecordMismatch) {
						err = &BrokenWheelError{Package: p.Artifacts[i].Name, Version: p.Artifacts[i].Version, Err: err}
					} else {
						err = fmt.Errorf("package %s: %w", p.Artifacts[i].Name, err)
					}
					errs[i] = err
					cancel()
				}
			}
		}()
	}
feed:
	for _, i := range order {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, err
	}
	return marks, ctx.Err()
}

// BrokenWheelError is a wheel whose RECORD does not describe its members
// (Err, a *wheel.MemberError naming the member and both hashes): it is
// broken as published, since its sha256 is the lock's.
type BrokenWheelError struct {
	Package, Version string
	Err              error
}

func (e *BrokenWheelError) Error() string {
	return fmt.Sprintf("package %s %s: %v: the wheel is broken as published (its RECORD does not describe its files); report it to the project, and lock another version or build %s from its sdist",
		e.Package, e.Version, e.Err, e.Package)
}

func (e *BrokenWheelError) Unwrap() error { return e.Err }

// recordMarkDir holds the marks of wheels whose RECORD was verified; the
// version changes when the verification does, so older marks are ignored.
func recordMarkDir(cacheDir string) string {
	return filepath.Join(cacheDir, "record-verified", "v1")
}

// recordMarked reports whether the wheel of sha256 sha was verified.
func recordMarked(cacheDir, sha string) bool {
	if cacheDir == "" || len(sha) != 64 || strings.ContainsAny(sha, `/\.`) {
		return false
	}
	_, err := os.Stat(filepath.Join(recordMarkDir(cacheDir), sha))
	return err == nil
}

// writeRecordMarks marks the wheels of these sha256s as verified. A mark
// that cannot be written costs only a verification on the next build.
func writeRecordMarks(cacheDir string, shas []string) {
	if cacheDir == "" || len(shas) == 0 {
		return
	}
	dir := recordMarkDir(cacheDir)
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	for _, sha := range shas {
		_ = atomicfile.WriteFile(filepath.Join(dir, sha), nil, 0o644)
	}
}

// MetadataMismatchError reports a wheel whose METADATA requires a project
// the lock does not list for it: the metadata the lock was made from (the
// index's PEP 658 file) and the wheel disagree.
type MetadataMismatchError struct {
	LockFile string // "" when the lock was made in this run
	Package  string
	Version  string
	Wheel    string
	Requires string // the Requires-Dist line the lock lacks
}

func (e *MetadataMismatchError) Error() string {
	lock := "the lock"
	if e.LockFile != "" {
		lock = "the lock " + e.LockFile
	}
	return fmt.Sprintf("package %s %s: the wheel %s requires %q, which %s does not list among its dependencies: the metadata the lock was made from (the index's .metadata file) and the wheel disagree; report it to the index's owner, and lock again once they agree",
		e.Package, e.Version, e.Wheel, e.Requires, lock)
}

func checkRequires(a Artifact, path string, env pep508.Environment, lockFile string) error {
	data, err := wheelMetadata(path)
	if err != nil {
		return fmt.Errorf("package %s: reading the METADATA of %s: %w", a.Name, a.Filename, err)
	}
	md, err := metadata.Parse(data)
	if err != nil {
		return fmt.Errorf("package %s: the METADATA of %s: %w", a.Name, a.Filename, err)
	}
	have := map[string]bool{pep503.Normalize(a.Name): true}
	for _, d := range a.Dependencies {
		have[d] = true
	}
	for _, r := range md.RequiresDist {
		if r.Marker != nil && !r.Marker.Evaluate(env, nil) {
			continue
		}
		if !have[pep503.Normalize(r.Name)] {
			return &MetadataMismatchError{LockFile: lockFile, Package: a.Name, Version: a.Version, Wheel: a.Filename, Requires: r.String()}
		}
	}
	return nil
}

// wheelMetadata reads the .dist-info/METADATA of the wheel at path.
func wheelMetadata(path string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		dir, name, ok := strings.Cut(f.Name, "/")
		if ok && name == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, 16<<20))
		}
	}
	return nil, errors.New("no .dist-info/METADATA")
}

// firstError is the first real error, not a cancellation it caused.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// frontend builds sdists with a local interpreter of the target's version.
func frontend(p *Plan, env Env, cache *artifacts.Cache) (*build517.Frontend, error) {
	python, err := target.FindInterpreter(p.Tool.PythonVersion, target.Options{CacheDir: env.CacheDir, Getenv: env.Getenv})
	if err != nil {
		return nil, fmt.Errorf("the lock has source-only packages, which are built into wheels with a local Python: %w", err)
	}
	return buildenv.NewFrontend(buildenv.FrontendOptions{
		Python: python, PythonVersion: p.Tool.PythonVersion, Source: env.Client, Artifacts: cache,
		CacheDir: env.CacheDir, Getenv: env.Getenv, Logger: env.Logger,
	}), nil
}

// Describe sets the fields of m that the plan decides: name, format,
// content hash, target and whether a Python is bundled. A manifest read
// back from a build directory or a store (perhaps written by an older
// clusterpack, before a field existed) then describes the plan as this
// version would; what only the archive knows (sha256, size, packages)
// stays as read.
func (p *Plan) Describe(m *Manifest) {
	m.Name, m.Format, m.ContentHash = p.Options.Name, p.Options.Format, p.ContentHash
	m.Python, m.Platform = p.Tool.PythonVersion, mainPlatform(p.Tool.Platforms)
	m.BundledPython = p.Options.Format != FormatPex && p.Options.BundlePython != ""
}

// matchesManifest reports whether the archive at path is the one m
// describes: its size and its sha256. The sha256 is computed again
// unless a stamp (stamp.go) shows the file unchanged since it was last
// hashed: hashing costs about a second per 250 MB here, and the stamp's
// change time moves on any write, even one that keeps the size and the
// modification time.
func matchesManifest(cacheDir, path string, m *Manifest) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the built archive: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("reading the built archive: %w", err)
	}
	if fi.Size() != m.Size || m.SHA256 == "" {
		return false, nil
	}
	if stampMatches(cacheDir, path, m.SHA256) {
		return true, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, fmt.Errorf("hashing the built archive %s: %w", path, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return false, nil
	}
	writeStamp(cacheDir, path, m.SHA256)
	return true, nil
}

func readManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return &m, nil
}

// mainPlatform is the most specific platform of a list.
func mainPlatform(ps []string) string {
	for _, p := range ps {
		if !strings.HasPrefix(p, "linux_") {
			return p
		}
	}
	if len(ps) > 0 {
		return ps[0]
	}
	return ""
}
