// Package upload puts a built environment and the project's code into a
// store, content-addressed: the environment under its content hash, each
// code directory as its own small zip under a hash of its files. When
// nothing changed, an upload costs one metadata request per object and
// sends no bytes. A layered environment's layers are objects of their own
// at the store's root, named by their own content hash and shared by
// every environment of the store: a one-package change sends the changed
// layer (if any), the small base and its manifest.
package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/pack/codezip"
	"github.com/clusterpack/clusterpack/store"
)

// Options say what to upload where.
type Options struct {
	Plan  *build.Plan
	Store store.Store
	// Code are project directories shipped as code zips, besides the
	// lock's directory packages (editable or local projects).
	Code []string
	// LockDir resolves the lock's relative directory paths.
	LockDir string
	// Force uploads even what the store has already.
	Force bool
	// Verify reads back what the store has and hashes it: an object whose
	// bytes do not match its recorded sha256 (corrupted in place, with its
	// size unchanged) is replaced. Without it, presence costs one metadata
	// request, which proves the name, size and recorded digest but not the
	// bytes.
	Verify bool
	// Progress receives a progress.Upload event as each object's bytes
	// are sent (Name is the object), for a progress line.
	Progress progress.Func
	// Check, when set, is called with the environment just built (a
	// layered one with its Layers, each with its Archive), before any
	// byte of it, a layer or the base, is sent; an error stops the
	// upload. It is not called when the store has all of it already.
	Check func(ctx context.Context, m *build.Manifest) error
}

// Result is the build manifest plus where everything went.
type Result struct {
	build.Manifest
	URL      string `json:"url"`
	Uploaded bool   `json:"uploaded"`
	Code     []Code `json:"code"`
	// Notes are advice for the user about what was stored (a store
	// directory that keeps YARN from sharing the environment between
	// users: store.PublicNoter).
	Notes []string `json:"notes,omitempty"`
}

// Code is one shipped code directory.
type Code struct {
	Path     string   `json:"path"`
	URL      string   `json:"url"`
	SHA256   string   `json:"sha256"`
	Uploaded bool     `json:"uploaded"`
	TopLevel []string `json:"top_level"`
}

// Upload makes sure the store has the plan's environment and the code
// zips: it looks first, builds only what is missing, and sends only that.
//
// A layered plan (build.Options.Layers) is a base and its layers. Each
// layer is looked for with one Stat, under its own name at the store's
// root, where every environment of the store shares it, and only missing
// layers are sent; all of them go before the base, and the base before its
// manifest, so that a base in the store means its layers are there too. A
// base already there costs one Stat as before, besides the layers'.
func Upload(ctx context.Context, opts Options, env build.Env) (*Result, error) {
	p := opts.Plan
	res := &Result{URL: opts.Store.URL(p.Filename())}
	var m *build.Manifest // the store's environment, or the one built
	object := p.Filename()
	wheelhouse := p.Options.Format == build.FormatWheelhouse
	if wheelhouse {
		// A wheelhouse is a directory of objects; its requirements file
		// goes last, so that when it is there, every wheel is.
		object = p.Filename() + "/" + build.RequirementsFile
	}
	b := &builder{run: func(ctx context.Context) (*build.Manifest, error) {
		built, err := build.Build(ctx, p, filepath.Join(env.CacheDir, "builds"), env)
		if err != nil {
			return nil, err
		}
		if opts.Check != nil {
			if err := opts.Check(ctx, built); err != nil {
				return nil, err
			}
		}
		return built, nil
	}}
	layers, err := ensureLayers(ctx, opts, env, b)
	if err != nil {
		return nil, err
	}
	er, err := store.Ensure(ctx, opts.Store, object, func(ctx context.Context) (store.Content, error) {
		built, err := b.get(ctx)
		if err != nil {
			return store.Content{}, err
		}
		if wheelhouse {
			if err := putWheels(ctx, opts, built); err != nil {
				return store.Content{}, err
			}
			req := filepath.Join(built.Archive, build.RequirementsFile)
			f, err := os.Open(req)
			if err != nil {
				return store.Content{}, err
			}
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return store.Content{}, err
			}
			m = built
			return store.Content{R: f, Size: fi.Size(), SHA256: built.SHA256}, nil
		}
		f, err := os.Open(built.Archive)
		if err != nil {
			return store.Content{}, err
		}
		m = built
		return store.Content{R: f, Size: built.Size, SHA256: built.SHA256}, nil
	}, store.EnsureOptions{
		Force:  opts.Force,
		Verify: opts.Verify,
		// The environment is there when it matches its manifest: one Stat,
		// plus the manifest itself when this machine has no copy of it.
		Accept: func(ctx context.Context, found store.Info) bool {
			stored, err := manifest(ctx, opts, env)
			if err != nil {
				return false // no trustworthy manifest: build and replace
			}
			if wheelhouse && opts.Verify {
				return false // each wheel is read back as it is ensured again
			}
			if found.SHA256 != stored.SHA256 || (!wheelhouse && found.Size != stored.Size) {
				return false // a corrupted or foreign object: replace it
			}
			if !sameLayers(p, stored) {
				return false // a manifest of other layers: build and replace
			}
			m = stored
			return true
		},
		Put: putOptions(opts, object),
	})
	if err != nil {
		return nil, err
	}
	if er.Uploaded {
		stored := *m
		stored.Archive = p.Filename() // not this machine's path
		stored.Layers = make([]build.Layer, len(m.Layers))
		for i, l := range m.Layers {
			l.Archive, l.URL, l.Uploaded = "", "", false // beside the base in every store
			stored.Layers[i] = l
		}
		if len(stored.Layers) == 0 {
			stored.Layers = nil
		}
		data, err := json.MarshalIndent(stored, "", "  ")
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		if _, err := opts.Store.Put(ctx, p.ManifestName(), bytes.NewReader(data), int64(len(data)), store.PutOptions{SHA256: hex.EncodeToString(sum[:]), ContentType: "application/json"}); err != nil {
			return nil, err
		}
		res.Uploaded = true
	}
	res.Manifest = *m
	res.Archive = p.Filename()
	res.Layers = nil
	for _, l := range m.Layers {
		got, ok := layers[l.Name]
		if !ok {
			return nil, fmt.Errorf("the manifest of %s lists the layer %s, which the plan does not have", p.Filename(), l.Name)
		}
		l.Archive, l.URL, l.Uploaded = "", opts.Store.URL(l.Name), got.Uploaded
		res.Layers = append(res.Layers, l)
	}
	if res.Uploaded || anyUploaded(res.Layers) {
		res.Notes = publicNotes(ctx, opts.Store, env, p.Filename(), res.Layers)
	}
	dirs := append([]string{}, opts.Code...)
	for _, l := range p.Local {
		dir := filepath.FromSlash(l.Directory.Path)
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(opts.LockDir, dir)
		}
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		c, err := uploadCode(ctx, opts, dir, env.CacheDir)
		if err != nil {
			return nil, err
		}
		res.Code = append(res.Code, *c)
	}
	if res.Code == nil {
		res.Code = []Code{}
	}
	return res, nil
}

// builder builds the environment once, when the first missing object
// needs it: a layer, or the base.
type builder struct {
	run  func(ctx context.Context) (*build.Manifest, error)
	done bool
	m    *build.Manifest
	err  error
}

func (b *builder) get(ctx context.Context) (*build.Manifest, error) {
	if !b.done {
		b.m, b.err = b.run(ctx)
		b.done = true
	}
	return b.m, b.err
}

// ensureLayers makes sure the store has each of the plan's layers, with
// one Stat each, and sends the missing ones (building the environment
// first). It returns what it found or did, by layer name.
func ensureLayers(ctx context.Context, opts Options, env build.Env, b *builder) (map[string]store.EnsureResult, error) {
	p := opts.Plan
	out := map[string]store.EnsureResult{}
	if len(p.Layers) == 0 {
		return out, nil
	}
	// The sha256s a build on this machine recorded: a layer in the store
	// with another one is replaced. Without a local build, the name
	// (the layer's content hash) is what is known.
	want := map[string]string{}
	if local, err := readLocalManifest(env, p); err == nil {
		for _, l := range local.Layers {
			want[l.Name] = l.SHA256
		}
	}
	for _, pl := range p.Layers {
		name := pl.Name
		er, err := store.Ensure(ctx, opts.Store, name, func(ctx context.Context) (store.Content, error) {
			built, err := b.get(ctx)
			if err != nil {
				return store.Content{}, err
			}
			for _, l := range built.Layers {
				if l.Name != name {
					continue
				}
				f, err := os.Open(l.Archive)
				if err != nil {
					return store.Content{}, err
				}
				return store.Content{R: f, Size: l.Size, SHA256: l.SHA256}, nil
			}
			return store.Content{}, fmt.Errorf("the build of %s has no layer %s, which its plan has", p.Filename(), name)
		}, store.EnsureOptions{Want: want[name], Force: opts.Force, Verify: opts.Verify, Put: putOptions(opts, name)})
		if err != nil {
			return nil, fmt.Errorf("layer %s of %s: %w", name, p.Filename(), err)
		}
		out[name] = er
	}
	return out, nil
}

// sameLayers reports whether a manifest lists the plan's layers, in order.
func sameLayers(p *build.Plan, m *build.Manifest) bool {
	if len(m.Layers) != len(p.Layers) {
		return false
	}
	for i, l := range m.Layers {
		if l.Name != p.Layers[i].Name {
			return false
		}
	}
	return true
}

func anyUploaded(ls []build.Layer) bool {
	for _, l := range ls {
		if l.Uploaded {
			return true
		}
	}
	return false
}

// publicNotes asks a store that can tell (store.PublicNoter: HDFS) whether
// the base and the layers sent are shared by every user of a node, and
// returns what keeps them private. A store that cannot answer gives no
// note: a note is advice, never a failure.
func publicNotes(ctx context.Context, st store.Store, env build.Env, base string, layers []build.Layer) []string {
	pn, ok := st.(store.PublicNoter)
	if !ok {
		return nil
	}
	names := []string{base}
	for _, l := range layers {
		if l.Uploaded {
			names = append(names, l.Name)
		}
	}
	var notes []string
	seen := map[string]bool{}
	for _, name := range names {
		note, err := pn.PublicNote(ctx, name)
		if err != nil {
			if env.Logger != nil {
				env.Logger.Debug("could not tell whether the object is public", "url", st.URL(name), "error", err)
			}
			continue
		}
		if note != "" && !seen[note] {
			seen[note] = true
			notes = append(notes, note)
		}
	}
	return notes
}

// manifest reads the environment's manifest: the local build's when there
// is one, else the store's copy (a few kilobytes).
func manifest(ctx context.Context, opts Options, env build.Env) (*build.Manifest, error) {
	p := opts.Plan
	var data []byte
	if d, err := os.ReadFile(localManifestPath(env, p)); err == nil {
		data = d
	} else {
		r, _, err := opts.Store.Get(ctx, p.ManifestName())
		if err != nil {
			return nil, err
		}
		defer r.Close()
		if data, err = io.ReadAll(io.LimitReader(r, 16<<20)); err != nil {
			return nil, err
		}
	}
	var m build.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m.ContentHash != p.ContentHash {
		return nil, fmt.Errorf("manifest of %s is for %s", p.ContentHash, m.ContentHash)
	}
	p.Describe(&m)
	return &m, nil
}

func localManifestPath(env build.Env, p *build.Plan) string {
	return filepath.Join(env.CacheDir, "builds", p.ManifestName())
}

// readLocalManifest reads the manifest of this machine's build of p.
func readLocalManifest(env build.Env, p *build.Plan) (*build.Manifest, error) {
	data, err := os.ReadFile(localManifestPath(env, p))
	if err != nil {
		return nil, err
	}
	var m build.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m.ContentHash != p.ContentHash {
		return nil, fmt.Errorf("manifest of %s is for %s", p.ContentHash, m.ContentHash)
	}
	return &m, nil
}

// putWheels ensures each wheel of a built wheelhouse in the store, under
// the wheelhouse's name.
func putWheels(ctx context.Context, opts Options, m *build.Manifest) error {
	dir := opts.Plan.Filename()
	for _, w := range m.Wheels {
		name := dir + "/" + w.Filename
		_, err := store.Ensure(ctx, opts.Store, name, func(ctx context.Context) (store.Content, error) {
			f, err := os.Open(filepath.Join(m.Archive, w.Filename))
			if err != nil {
				return store.Content{}, err
			}
			return store.Content{R: f, Size: w.Size, SHA256: w.SHA256}, nil
		}, store.EnsureOptions{Want: w.SHA256, Force: opts.Force, Verify: opts.Verify, Put: putOptions(opts, name)})
		if err != nil {
			return fmt.Errorf("wheel %s of %s: %w", w.Filename, dir, err)
		}
	}
	return nil
}

// putOptions report the progress of name's upload.
func putOptions(opts Options, name string) store.PutOptions {
	var po store.PutOptions
	if opts.Progress != nil {
		po.Progress = func(done, total int64) {
			opts.Progress.Report(progress.Event{Step: progress.Upload, Name: name, Done: done, Total: total})
		}
	}
	return po
}

// uploadCode ships one project directory as a code zip unless the store
// has it: the name is a hash of the files, so no zip is made to find out.
func uploadCode(ctx context.Context, opts Options, dir, cacheDir string) (*Code, error) {
	plan, err := codezip.NewPlan(ctx, dir)
	if err != nil {
		return nil, err
	}
	name := plan.Filename()
	c := &Code{Path: plan.Project, URL: opts.Store.URL(name), TopLevel: plan.TopLevel}
	var tmpName string
	defer func() {
		if tmpName != "" {
			os.Remove(tmpName)
		}
	}()
	er, err := store.Ensure(ctx, opts.Store, name, func(ctx context.Context) (store.Content, error) {
		tmpDir := filepath.Join(cacheDir, "tmp")
		if err := os.MkdirAll(tmpDir, 0o755); err != nil {
			return store.Content{}, err
		}
		tmp, err := os.CreateTemp(tmpDir, "code-*.zip")
		if err != nil {
			return store.Content{}, err
		}
		tmpName = tmp.Name()
		h := sha256.New()
		cw := &countingWriter{w: io.MultiWriter(tmp, h)}
		if err := plan.Write(ctx, cw); err != nil {
			tmp.Close()
			return store.Content{}, err
		}
		if err := tmp.Close(); err != nil {
			return store.Content{}, err
		}
		f, err := os.Open(tmpName)
		if err != nil {
			return store.Content{}, err
		}
		return store.Content{R: f, Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
	}, store.EnsureOptions{Force: opts.Force, Verify: opts.Verify, Put: putOptions(opts, name)})
	if err != nil {
		return nil, err
	}
	c.SHA256, c.Uploaded = er.Info.SHA256, er.Uploaded
	return c, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
