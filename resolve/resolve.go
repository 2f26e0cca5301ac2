// Package resolve chooses the versions of a set of Python requirements for
// one target, as pip and uv do: the newest versions that satisfy every
// requirement, their dependencies, extras and markers, with files the
// target can install. The search is PubGrub (package resolve/pubgrub); this
// package supplies the Python facts: candidates from the indexes, their
// core metadata, and the words that explain a conflict.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/pypa/metadata"
	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/resolve/pubgrub"
	"github.com/clusterpack/clusterpack/target"
)

// Source is where candidates come from; *index.Client is one.
type Source interface {
	// Project lists the files of a project on every index.
	Project(ctx context.Context, name string) (*index.Project, error)
	// Metadata returns the core metadata of a wheel.
	Metadata(ctx context.Context, f index.File) ([]byte, error)
}

// SdistMetadataFunc returns the core metadata of a source distribution,
// building it through PEP 517 when it is not static.
type SdistMetadataFunc func(ctx context.Context, f index.File) ([]byte, error)

// FormatControl is pip's --only-binary / --no-binary: for all packages or
// for the named ones (normalised names).
type FormatControl struct {
	All   bool
	Names map[string]bool
}

// Applies reports whether the control applies to the package.
func (fc FormatControl) Applies(name string) bool { return fc.All || fc.Names[name] }

// Options configure a resolution.
type Options struct {
	Target *target.Target
	Source Source
	// SdistMetadata reads metadata of source-only versions; nil makes
	// them unusable with a message saying so.
	SdistMetadata SdistMetadataFunc
	// Prereleases allows pre-releases everywhere (--pre). Without it a
	// pre-release is chosen only when a requirement names one (a root
	// requirement that does allows them for the package), or when only
	// pre-releases match it, as pip does.
	Prereleases bool
	OnlyBinary  FormatControl
	NoBinary    FormatControl
	// Preferences are versions to keep when they still fit (the pins of an
	// earlier lock), by normalised name.
	Preferences map[string]string
	// PreferBinary is pip's --prefer-binary: the versions with a wheel for
	// the target are tried, newest first, before any version with only a
	// source distribution, so an older version with a wheel is chosen over
	// a newer one that would be built from source. Preferences still come
	// first.
	PreferBinary bool
	// ExcludeNewer, when set, leaves out every index file uploaded at or
	// after it (and every file whose upload time the index does not give;
	// local files, file: URLs, are kept), so the resolution is the one the indexes would have given then, as
	// uv's exclude-newer does. A version none of whose files are left did
	// not exist yet: it is dropped.
	ExcludeNewer time.Time
	// Parallelism bounds metadata prefetching (default 8).
	Parallelism int
	Logger      *slog.Logger
	// Progress, when set, hears of each package resolved (for the first
	// version of it the solver tries).
	Progress progress.Func
}

// Request is what the user asked for.
type Request struct {
	Requirements []pep508.Requirement
	// Constraints limit versions without requiring the packages (-c).
	Constraints []pep508.Requirement
	// Direct are direct references (a wheel or sdist at a URL or path, a
	// project directory): each pins its package to that one distribution.
	Direct []*Direct
}

// Direct is a distribution the user named by location rather than by
// version. The caller reads its metadata (it may need a build).
type Direct struct {
	// Requirement names the package, with the extras asked for.
	Requirement pep508.Requirement
	// Metadata is the distribution's core metadata.
	Metadata *metadata.Metadata
	// File is the wheel or sdist; nil for a project directory.
	File *index.File
	// Dir is the project directory, for directory references.
	Dir string
	// Editable marks an editable install of Dir.
	Editable bool
}

// Resolution is the chosen set of packages, sorted by name.
type Resolution struct {
	Packages []Package
}

// Package is one chosen distribution.
type Package struct {
	Name    string // normalised
	Version pep440.Version
	// Wheels are the files of the version the target can install, best
	// first; Sdist is the source distribution, if any and allowed.
	Wheels []index.File
	Sdist  *index.File
	// Extras are the extras of the package that were requested.
	Extras []string
	// Dependencies are the normalised names of the packages it needs.
	Dependencies []string
	// RequiresPython is the version's Requires-Python, "" if none.
	RequiresPython string
	// Direct is set for packages the user asked for.
	Direct bool
	// Reference is the direct reference the package came from, if any.
	Reference *Direct
	// NewerSdistOnly is set when PreferBinary chose this version, which
	// has a wheel, over a newer allowed one with only a source
	// distribution for the target: that newer version.
	NewerSdistOnly *pep440.Version
}

// ErrDirectURL is wrapped by Resolve's error for a requirement given by
// URL ("name @ https://..."), which the resolver does not fetch: the
// caller downloads the file and offers it from a find-links location, or
// as a Direct package.
var ErrDirectURL = errors.New("direct URL requirements are not supported yet")

// rootName stands for the user's requirements: it cannot be a project
// name (those are alphanumeric at both ends).
const rootName = "<requirements>"

// Resolve finds versions for the request. A request that cannot be met
// returns an error explaining the conflict.
func Resolve(ctx context.Context, req Request, opts Options) (*Resolution, error) {
	if opts.Target == nil || opts.Source == nil {
		return nil, fmt.Errorf("resolve: a target and a source are required")
	}
	p := newProvider(opts)
	defer p.close()
	for _, d := range req.Direct {
		name := pep503.Normalize(d.Requirement.Name)
		if prev, ok := p.direct[name]; ok {
			return nil, fmt.Errorf("%s is given twice by location (%s and %s): keep one", name, where(prev), where(d))
		}
		if d.Metadata == nil || pep503.Normalize(d.Metadata.Name) != name {
			return nil, fmt.Errorf("%s: its metadata does not name %s", where(d), name)
		}
		p.direct[name] = d
		r := d.Requirement
		r.URL, r.Marker = "", nil
		p.root = append(p.root, r)
	}
	for _, r := range req.Requirements {
		if r.Marker != nil && !r.Marker.Evaluate(opts.Target.Markers, nil) {
			continue
		}
		if r.URL != "" {
			return nil, fmt.Errorf("requirement %s: %w; download the file and add its directory to the find-links locations", r, ErrDirectURL)
		}
		p.root = append(p.root, r)
	}
	for _, c := range req.Constraints {
		if c.Marker != nil && !c.Marker.Evaluate(opts.Target.Markers, nil) {
			continue
		}
		name := pep503.Normalize(c.Name)
		p.constraints[name] = append(p.constraints[name], c)
	}
	p.optIns = userOptIns(p.root, p.constraints)
	for _, r := range p.root {
		p.prefetch(ctx, pep503.Normalize(r.Name), r.Specifier)
	}
	sol, err := pubgrub.Solve(ctx, p, rootName)
	if err != nil {
		return nil, p.explainError(err)
	}
	return p.resolution(sol), nil
}

// resolution turns the solver's answer into packages.
func (p *provider) resolution(sol pubgrub.Solution) *Resolution {
	direct := map[string]bool{}
	for _, r := range p.root {
		direct[pep503.Normalize(r.Name)] = true
	}
	extras := map[string][]string{}
	for id := range sol {
		if name, extra, ok := splitExtra(id); ok {
			extras[name] = append(extras[name], extra)
		}
	}
	var out Resolution
	for id, v := range sol {
		if id == rootName || strings.Contains(id, "[") {
			continue
		}
		info, _ := p.projects.peek(id) // the solver chose it: its page is here
		c := info.candidates[v]
		pkg := Package{
			Reference:      c.direct,
			Name:           id,
			Version:        c.version,
			Wheels:         c.wheels(),
			Sdist:          c.sdistFile(),
			Extras:         extras[id],
			Direct:         direct[id],
			RequiresPython: p.requiresPython(id, v),
		}
		p.mu.Lock()
		if po, ok := p.passedOver[id]; ok && po.chosen == v {
			newer := info.candidates[po.newest].version
			pkg.NewerSdistOnly = &newer
		}
		p.mu.Unlock()
		sort.Strings(pkg.Extras)
		seen := map[string]bool{}
		for _, d := range p.depsOf(id, v) {
			if base, _, ok := splitExtra(d.Package); ok {
				d.Package = base
			}
			if !seen[d.Package] && d.Package != id {
				seen[d.Package] = true
				pkg.Dependencies = append(pkg.Dependencies, d.Package)
			}
		}
		for _, e := range pkg.Extras {
			for _, d := range p.depsOf(id+"["+e+"]", v) {
				if base, _, ok := splitExtra(d.Package); ok {
					d.Package = base
				}
				if !seen[d.Package] && d.Package != id {
					seen[d.Package] = true
					pkg.Dependencies = append(pkg.Dependencies, d.Package)
				}
			}
		}
		sort.Strings(pkg.Dependencies)
		out.Packages = append(out.Packages, pkg)
	}
	sort.Slice(out.Packages, func(i, j int) bool { return out.Packages[i].Name < out.Packages[j].Name })
	return &out
}

// where names a direct reference for messages.
func where(d *Direct) string {
	if d.File != nil {
		return d.File.URL
	}
	return d.Dir
}

// splitExtra splits "name[extra]".
func splitExtra(id string) (name, extra string, ok bool) {
	i := strings.IndexByte(id, '[')
	if i < 0 || !strings.HasSuffix(id, "]") {
		return id, "", false
	}
	return id[:i], id[i+1 : len(id)-1], true
}
