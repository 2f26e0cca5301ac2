package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/internal/unpack"
	"github.com/clusterpack/clusterpack/pack/pex"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// Archives names the archive files of one environment: its archive, or
// the base and the layers of a layered environment (build --layers).
type Archives struct {
	// Base is the environment's archive, or the base of a layered one.
	Base string
	// Layers are the layer archives, in the order the base loads them.
	Layers []string
	// SHA256 are the digests the build manifest gives, by path (Base and
	// Layers); OpenEnvironment checks them. Nil or a missing path: not
	// checked.
	SHA256 map[string]string
}

// manifest is what Locate reads of a build manifest (build.Manifest):
// the runner names the files, it does not depend on the build.
type manifest struct {
	Archive string `json:"archive"`
	SHA256  string `json:"sha256"`
	Format  string `json:"format"`
	Layers  []struct {
		Name    string `json:"name"`
		SHA256  string `json:"sha256"`
		Archive string `json:"archive"`
	} `json:"layers"`
}

// archiveExts are the environments' file extensions, longest first.
var archiveExts = []string{".tar.gz", ".tgz", ".zip", ".pex", ".json"}

// manifestBeside is the build manifest of archive, <name>-<hash>.json for
// <name>-<hash>.zip, .tar.gz or .pex.
func manifestBeside(archive string) string {
	for _, ext := range archiveExts {
		if b, ok := strings.CutSuffix(archive, ext); ok {
			return b + ".json"
		}
	}
	return archive + ".json"
}

// Locate says which archives make up the environment that path names:
//
//   - a build manifest (<name>-<hash>.json, as build writes it beside the
//     archive, build --json prints it and upload stores it): its archive
//     (<name>-<hash>.<format> when it names none) and layers, each looked
//     up by file name beside the manifest, then at the path the manifest
//     gives (build --json gives this machine's paths);
//   - an archive with its build manifest beside it (<name>-<hash>.json
//     for <name>-<hash>.zip): the archive, and the manifest's layers
//     looked up beside the archive, then at the manifest's paths;
//   - a pex without a manifest beside it: the pex, and the layers its
//     PEX-INFO names, beside it (its path as given, then with symlinks
//     resolved), as the pex's bootstrap finds them;
//   - any other archive: itself alone.
//
// A file the manifest or the PEX-INFO names that is in none of those
// places is an error naming it and where it was looked for.
func Locate(path string) (Archives, error) {
	if strings.HasSuffix(path, ".json") {
		data, err := os.ReadFile(path)
		if err != nil {
			return Archives{}, err
		}
		var m manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return Archives{}, fmt.Errorf("%s is not a build manifest: %w", path, err)
		}
		name := filepath.Base(m.Archive)
		if m.Archive == "" {
			// The manifest build writes beside the archive: named alike.
			if m.Format == "" {
				return Archives{}, fmt.Errorf("%s is not a build manifest: it names no archive and no format", path)
			}
			name = strings.TrimSuffix(filepath.Base(path), ".json") + "." + m.Format
		}
		dirs := []string{filepath.Dir(path)}
		base, err := findFile("the archive "+name+" of "+path, name, dirs, m.Archive)
		if err != nil {
			return Archives{}, err
		}
		return m.archives(path, base, append(dirs, filepath.Dir(base)))
	}
	if data, err := os.ReadFile(manifestBeside(path)); err == nil {
		var m manifest
		// build writes it with no archive, upload with the file name.
		if json.Unmarshal(data, &m) == nil && (m.Archive == "" || filepath.Base(m.Archive) == filepath.Base(path)) {
			return m.archives(manifestBeside(path), path, []string{filepath.Dir(path)})
		}
	}
	if strings.HasSuffix(path, ".pex") {
		return pexLayers(path)
	}
	return Archives{Base: path}, nil
}

// archives are the manifest's files: base, then each layer looked up in
// dirs and at the path the manifest gives.
func (m *manifest) archives(manifestPath, base string, dirs []string) (Archives, error) {
	a := Archives{Base: base, SHA256: map[string]string{}}
	if m.SHA256 != "" {
		a.SHA256[base] = m.SHA256
	}
	for _, l := range m.Layers {
		if l.Name == "" || filepath.Base(l.Name) != l.Name {
			return Archives{}, fmt.Errorf("%s: layer %q is not a file name", manifestPath, l.Name)
		}
		p, err := findFile("layer "+l.Name+" of "+base+" (listed in "+manifestPath+")", l.Name, dirs, l.Archive)
		if err != nil {
			return Archives{}, err
		}
		a.Layers = append(a.Layers, p)
		if l.SHA256 != "" {
			a.SHA256[p] = l.SHA256
		}
	}
	return a, nil
}

// pexLayers are the pex and the layers its PEX-INFO names.
func pexLayers(path string) (Archives, error) {
	a := Archives{Base: path}
	f, err := os.Open(path)
	if err != nil {
		return a, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return a, err
	}
	info, err := pex.ReadInfo(f, st.Size())
	if err != nil || len(info.Layers) == 0 {
		return a, nil // not a layered pex; OpenArchive says what it is
	}
	dirs := []string{filepath.Dir(path)}
	if real, err := filepath.EvalSymlinks(path); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, l := range info.Layers {
		p, err := findFile("layer "+l.File+" of "+path+" (named in its PEX-INFO)", l.File, dirs, "")
		if err != nil {
			return Archives{}, err
		}
		a.Layers = append(a.Layers, p)
	}
	return a, nil
}

// findFile looks for name in dirs, then at also (when not empty).
func findFile(what, name string, dirs []string, also string) (string, error) {
	var tried []string
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if !contains(tried, p) {
			tried = append(tried, p)
		}
	}
	if also != "" && !contains(tried, filepath.Clean(also)) {
		tried = append(tried, filepath.Clean(also))
	}
	for _, p := range tried {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is missing: not at %s; put it beside the base archive (build writes the layers into its output directory)", what, strings.Join(tried, " nor "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OpenEnvironment opens the archives of one environment. Without layers
// it is OpenArchive. With layers, each archive is opened into
// opts.CacheDir on its own (OpenArchive: keyed by the archive's sha256,
// so a layer several environments share is unpacked once), and the Env
// returned is the base's with the union: its Layers are the layers' own
// Envs, its Distributions those of the base and of every layer, and its
// SitePaths the base's site directories then each layer's, in order.
//
// For a venv, whose base carries a hook (_clusterpack_layers) that puts
// the layer directories beside it on sys.path at start, the site
// directories are named through a directory of symlinks in
// opts.CacheDir/layered/, where the base and its layers are siblings as
// on a node (the base as "environment", each layer under the name of its
// file without the extension, "layer-<hash>"), and SitePaths starts with
// a directory of the runner's own whose .pth file puts every one of them
// on sys.path, in order, before any of their .pth files runs: the hook
// then finds its layers there already and does nothing.
//
// The archives must be of one format and one Python, no distribution may
// be in two of them, and each must have the sha256 a.SHA256 gives.
func OpenEnvironment(ctx context.Context, a Archives, opts OpenOptions) (*Env, error) {
	env, err := OpenArchive(ctx, a.Base, opts)
	if err != nil {
		return nil, err
	}
	if err := a.checkSum(env); err != nil {
		return nil, err
	}
	if len(a.Layers) == 0 {
		if env.Format == FormatVenv && len(env.SitePaths) > 0 {
			if _, err := os.Stat(filepath.Join(env.SitePaths[0], venv.LayersPth)); err == nil {
				return nil, fmt.Errorf("%s is the base of a layered environment (its site-packages has %s) and its layers were not given: "+
					"open it with them, e.g. through its build manifest (%s) beside it, which names them", a.Base, venv.LayersPth, filepath.Base(manifestBeside(a.Base)))
			}
		}
		return env, nil
	}
	lopts := opts
	lopts.Platform = env.Platform
	owner := map[string]string{}
	for _, d := range env.Distributions {
		owner[pep503.Normalize(d.Name)] = a.Base
	}
	for _, p := range a.Layers {
		l, err := OpenArchive(ctx, p, lopts)
		if err != nil {
			return nil, fmt.Errorf("layer %s of %s: %w", p, a.Base, err)
		}
		if err := a.checkSum(l); err != nil {
			return nil, err
		}
		if l.Format != env.Format || l.Python != env.Python {
			return nil, fmt.Errorf("layer %s is a %s archive for Python %d.%d, its base %s a %s archive for Python %d.%d: build them together",
				p, l.Format, l.Python[0], l.Python[1], a.Base, env.Format, env.Python[0], env.Python[1])
		}
		for _, d := range l.Distributions {
			n := pep503.Normalize(d.Name)
			if prev, dup := owner[n]; dup {
				return nil, fmt.Errorf("%s is in %s and in %s: a distribution belongs to one archive of an environment", d.Name, prev, p)
			}
			owner[n] = p
		}
		env.Layers = append(env.Layers, l)
	}
	if env.Format == FormatVenv {
		if err := env.siblings(ctx, opts.CacheDir); err != nil {
			return nil, err
		}
	} else {
		for _, l := range env.Layers {
			env.SitePaths = append(env.SitePaths, l.SitePaths...)
		}
	}
	for _, l := range env.Layers {
		env.Distributions = append(env.Distributions, l.Distributions...)
	}
	sort.SliceStable(env.Distributions, func(i, j int) bool {
		return pep503.Normalize(env.Distributions[i].Name) < pep503.Normalize(env.Distributions[j].Name)
	})
	return env, nil
}

// checkSum compares e's sha256 with the manifest's.
func (a Archives) checkSum(e *Env) error {
	if want, ok := a.SHA256[e.Archive]; ok && !strings.EqualFold(want, e.SHA256) {
		return fmt.Errorf("%s has sha256 %s, not the %s its build manifest gives: it is another build; use the archives built together", e.Archive, e.SHA256, want)
	}
	return nil
}

// baseAlias is the base's directory in the layered view, the alias Spark
// gives a venv archive.
const baseAlias = "environment"

// runnerSite is the view's directory of the runner's own .pth file.
const runnerSite = ".runner-site"

// siblings makes (once) the layered view of a venv env and its layers in
// cacheDir/layered/<key>, and names env's site directories and
// distributions through it.
func (e *Env) siblings(ctx context.Context, cacheDir string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := filepath.Abs(cacheDir)
	if err != nil {
		return err
	}
	type member struct {
		name string // in the view
		env  *Env
	}
	members := []member{{baseAlias, e}}
	h := sha256.New()
	fmt.Fprintf(h, "clusterpack runner layered view 1\x00%s\x00%s\x00", root, e.SHA256)
	for _, l := range e.Layers {
		name := filepath.Base(l.Archive)
		for _, ext := range archiveExts {
			if b, ok := strings.CutSuffix(name, ext); ok {
				name = b
				break
			}
		}
		if name == baseAlias || name == runnerSite || strings.HasPrefix(name, ".") {
			return fmt.Errorf("layer %s: its file name cannot name a directory beside the base", l.Archive)
		}
		for _, m := range members {
			if m.name == name {
				return fmt.Errorf("layers %s and %s have one name", m.env.Archive, l.Archive)
			}
		}
		members = append(members, member{name, l})
		fmt.Fprintf(h, "%s\x00%s\x00", name, l.SHA256)
	}
	view := filepath.Join(root, "layered", hex.EncodeToString(h.Sum(nil))[:32])
	// A site directory through the view: the same path below the
	// member's directory.
	through := func(m member, site string) (string, error) {
		rel, err := filepath.Rel(m.env.Dir, site)
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("site directory %s is outside %s", site, m.env.Dir)
		}
		return filepath.Join(view, m.name, rel), nil
	}
	var sites []string
	remap := map[string]string{}
	for _, m := range members {
		for _, s := range m.env.SitePaths {
			v, err := through(m, s)
			if err != nil {
				return err
			}
			sites = append(sites, v)
			remap[s] = v
		}
	}
	pre := filepath.Join(view, runnerSite)
	hook, err := runnerHook(pre, sites)
	if err != nil {
		return err
	}
	err = unpack.Once(view, func(tmp string) error {
		for _, m := range members {
			dir, err := filepath.Abs(m.env.Dir)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(view, dir)
			if err != nil {
				return err
			}
			if err := os.Symlink(rel, filepath.Join(tmp, m.name)); err != nil {
				return err
			}
		}
		if err := os.Mkdir(filepath.Join(tmp, runnerSite), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, runnerSite, runnerPth), hook, 0o644)
	})
	if err != nil {
		return fmt.Errorf("making the layered view of %s in %s: %w", e.Archive, view, err)
	}
	e.SitePaths = append([]string{pre}, sites...)
	for _, env := range append([]*Env{e}, e.Layers...) {
		for i := range env.Distributions {
			if v, ok := remap[env.Distributions[i].SiteDir]; ok {
				env.Distributions[i].SiteDir = v
			}
		}
	}
	return nil
}

// runnerPth is the view's .pth file.
const runnerPth = "_clusterpack_runner_layers.pth"

// runnerHook is the .pth file that puts sites on sys.path, in order, and
// takes its own directory pre off it again: one import line, which site
// runs each time it processes the directory, so it works again whenever
// the runner sets sys.path for the environment. Lambdas with defaults
// keep every name it uses bound in the line itself.
func runnerHook(pre string, sites []string) ([]byte, error) {
	p, err := json.Marshal(pre)
	if err != nil {
		return nil, err
	}
	s, err := json.Marshal(sites)
	if err != nil {
		return nil, err
	}
	return []byte("# clusterpack's runner: the base's and every layer's site directories on sys.path, in order, before any of their .pth files runs,\n" +
		"# so that the base's _clusterpack_layers hook finds its layers there; then this directory leaves sys.path.\n" +
		"import sys; sys.path[:] = list(filter(lambda p, pre=" + string(p) + ": p != pre, sys.path)); " +
		"sys.path.extend(list(filter(lambda p, path=list(sys.path): p not in path, " + string(s) + ")))\n"), nil
}
