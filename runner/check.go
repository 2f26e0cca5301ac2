package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/tags"
	"github.com/clusterpack/clusterpack/runner/elfcheck"
)

// CheckOptions control Check.
type CheckOptions struct {
	// Runs are calls made after the imports.
	Runs []Call
	// Find says where to look for a libpython when Python is nil.
	Find FindOptions
	// Python is a libpython already loaded; nil means FindInterpreter and
	// Load.
	Python *Python
	// StaticOnly skips the live part.
	StaticOnly bool
}

// Finding is one problem Check found.
type Finding struct {
	// Kind is "tag", "elf", "import", "run" or "interpreter".
	Kind         string `json:"kind"`
	Distribution string `json:"distribution,omitempty"`
	File         string `json:"file,omitempty"`
	Module       string `json:"module,omitempty"`
	// Message is what is wrong and, where the runner knows, what to do.
	Message string `json:"message"`
	// Hint, when set, says which of the things to do that the runner
	// knows the message asks for, for a caller that has its own way to
	// do it: HintInterpreter or HintNewerPlatform.
	Hint  string   `json:"hint,omitempty"`
	Error *PyError `json:"error,omitempty"`
}

// Hints of a Finding.
const (
	// HintInterpreter: name a local CPython of the archive's version
	// (Report.Python) that has a shared libpython (FindOptions.Python).
	HintInterpreter = "interpreter"
	// HintNewerPlatform: lock and build the environment for a newer
	// platform than the target's, whose policy allows what an extension
	// module requires.
	HintNewerPlatform = "newer-platform"
)

// Report is what Check found.
type Report struct {
	Archive string `json:"archive"`
	// Layers are the layer archives of a layered environment, checked
	// with it (Env.Layers).
	Layers   []string `json:"layers,omitempty"`
	Python   string   `json:"python"`
	Platform string   `json:"platform,omitempty"`
	// Policy is the manylinux policy extension modules were held to.
	Policy string `json:"policy,omitempty"`
	// Extensions counts the ELF files checked.
	Extensions int       `json:"extensions"`
	Static     []Finding `json:"static"`
	// Warnings are what the nodes must provide for the archive to work
	// that the archive cannot prove (elfcheck.SystemLibraries); they do
	// not fail the check.
	Warnings []Finding `json:"warnings,omitempty"`
	// Live is true when the live part ran; LiveNote says why not, or
	// what it ran with.
	Live     bool      `json:"live"`
	LiveNote string    `json:"live_note,omitempty"`
	Imported []string  `json:"imported,omitempty"`
	Failures []Finding `json:"failures"`
	Notes    []string  `json:"notes,omitempty"`
}

// OK reports whether nothing failed.
func (r *Report) OK() bool { return len(r.Static) == 0 && len(r.Failures) == 0 }

// Summary is a few lines a user can act on.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (Python %s", r.Archive, r.Python)
	if r.Platform != "" {
		fmt.Fprintf(&b, ", %s", r.Platform)
	}
	b.WriteString(")\n")
	if len(r.Layers) > 0 {
		fmt.Fprintf(&b, "  with %d layers: %s\n", len(r.Layers), strings.Join(r.Layers, ", "))
	}
	for _, f := range r.Static {
		fmt.Fprintf(&b, "  FAIL %s: %s\n", f.Kind, f.Message)
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  FAIL %s: %s\n", f.Kind, f.Message)
	}
	for _, f := range r.Warnings {
		fmt.Fprintf(&b, "  WARN %s: %s\n", f.Kind, f.Message)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	if r.Live {
		fmt.Fprintf(&b, "  imported %d modules in-process (%s)\n", len(r.Imported), r.LiveNote)
	} else if r.LiveNote != "" {
		fmt.Fprintf(&b, "  static checks only: %s\n", r.LiveNote)
	}
	if r.OK() {
		fmt.Fprintf(&b, "  OK: %d extension modules fit, no import failed\n", r.Extensions)
	} else {
		fmt.Fprintf(&b, "  %d problems\n", len(r.Static)+len(r.Failures))
	}
	return b.String()
}

// Check checks env before it ships. The static part needs nothing but the
// files: every distribution's wheel tags must fit the target (Python
// version and platform), and every ELF file must fit the target's
// manylinux policy (see elfcheck). The live part runs when this host can
// run the target (Linux on the same architecture): it loads a libpython
// of the archive's version, imports every top-level module of every
// distribution in one worker and reports each failure with the last line
// of its traceback, naming the distribution that failed and, for a
// missing module, the distribution that requires it; then it makes
// opts.Runs. An error is returned only when checking itself failed.
func Check(ctx context.Context, env *Env, opts CheckOptions) (*Report, error) {
	r := &Report{Archive: env.Archive, Python: fmt.Sprintf("%d.%d", env.Python[0], env.Python[1]), Platform: env.Platform}
	for _, l := range env.Layers {
		r.Layers = append(r.Layers, l.Archive)
	}
	if err := checkStatic(env, r); err != nil {
		return nil, err
	}
	if opts.StaticOnly {
		r.LiveNote = "live checks not asked for"
		return r, nil
	}
	if why := hostCannotRun(env.Platform); why != "" {
		r.LiveNote = why
		return r, nil
	}
	py := opts.Python
	if py == nil {
		in, err := FindInterpreter(ctx, env, opts.Find)
		if err != nil {
			f := Finding{Kind: "interpreter", Message: err.Error()}
			var ne *NoInterpreterError
			if errors.As(err, &ne) && ne.Given == "" {
				f.Hint = HintInterpreter
			}
			r.Failures = append(r.Failures, f)
			return r, nil
		}
		if py, err = Load(*in); err != nil {
			r.Failures = append(r.Failures, Finding{Kind: "interpreter", Message: err.Error()})
			return r, nil
		}
	}
	pool, err := NewPool(ctx, py, env, PoolOptions{Workers: 1, Isolation: IsolationThreads, StdoutToStderr: true})
	if err != nil {
		r.Failures = append(r.Failures, Finding{Kind: "interpreter", Message: err.Error()})
		return r, nil
	}
	defer pool.Close(ctx)
	r.Live = true
	in := py.Interpreter()
	r.LiveNote = "embedded " + in.Library
	var modules []string
	owner := map[string]*Distribution{}
	for i := range env.Distributions {
		d := &env.Distributions[i]
		for _, m := range d.TopLevel {
			if _, dup := owner[m]; !dup {
				owner[m] = d
				modules = append(modules, m)
			}
		}
	}
	req, _ := json.Marshal(modules)
	res, err := pool.submit(ctx, func() *job { return newJob(jobCheck, req, 0) }, ModeAny)
	if err != nil {
		return nil, err
	}
	if res[0].Error != nil {
		return nil, fmt.Errorf("importing the modules: %s", res[0].Error.Last)
	}
	var outcome map[string]*PyError
	if err := json.Unmarshal(res[0].Value, &outcome); err != nil {
		return nil, fmt.Errorf("importing the modules: %w", err)
	}
	for _, m := range modules {
		e := outcome[m]
		if e == nil {
			r.Imported = append(r.Imported, m)
			continue
		}
		d := owner[m]
		if note := optionalImport(env, d, m, e); note != "" {
			r.Notes = append(r.Notes, note)
			continue
		}
		r.Failures = append(r.Failures, Finding{Kind: "import", Distribution: d.Name, Module: m, Error: e, Message: importAdvice(env, d, m, e)})
	}
	for _, c := range opts.Runs {
		out, err := pool.Do(ctx, c, ModeAny)
		what := c.Function
		if c.File != "" {
			what = c.File
		}
		if err != nil {
			r.Failures = append(r.Failures, Finding{Kind: "run", Message: fmt.Sprintf("%s: %v", what, err)})
			continue
		}
		if e := out[0].Error; e != nil {
			f := Finding{Kind: "run", Error: e, Message: fmt.Sprintf("%s failed: %s", what, e.Last)}
			if e.Module != "" && (e.Type == "ModuleNotFoundError" || e.Type == "ImportError") {
				f.Message += missingAdvice(env, e.Module)
			}
			r.Failures = append(r.Failures, f)
		}
	}
	return r, nil
}

// optionalImport is the note for a top-level module that cannot be
// imported only because it needs a project the archive's distributions
// require with an extra nobody asked for (duckdb's adbc_driver_duckdb
// needs adbc-driver-manager, which polars requires with [adbc]): an
// optional integration, not a broken environment. It is "" for any other
// failure, and when a distribution requires the project outright.
func optionalImport(env *Env, d *Distribution, module string, e *PyError) string {
	if e.Type != "ModuleNotFoundError" || e.Module == "" {
		return ""
	}
	top, _, _ := strings.Cut(e.Module, ".")
	if env.ModuleOwner(top) != nil || len(env.RequiredBy(top)) > 0 {
		return ""
	}
	by := env.OptionalFor(top)
	if len(by) == 0 {
		return ""
	}
	return fmt.Sprintf("import %s (from %s %s) skipped: it needs %s, which only %s requires (an extra not installed); add that extra to the requirements if the job uses %s", module, d.Name, d.Version, top, strings.Join(by, " and "), module)
}

// importAdvice words an import failure.
func importAdvice(env *Env, d *Distribution, module string, e *PyError) string {
	msg := fmt.Sprintf("import %s (from %s %s) failed: %s", module, d.Name, d.Version, e.Last)
	if e.Type == "ModuleNotFoundError" && e.Module != "" {
		msg += missingAdvice(env, e.Module)
	}
	if strings.Contains(e.Last, "does not support loading in subinterpreters") {
		msg += " (an extension module that cannot run in a sub-interpreter with its own GIL: use threads)"
	}
	if strings.Contains(e.Last, "version `GLIBC") {
		msg += " (an extension module built for a newer glibc than this machine's: see the static findings)"
	}
	return msg
}

// missingAdvice says which distribution a missing module would come from.
func missingAdvice(env *Env, module string) string {
	top, _, _ := strings.Cut(module, ".")
	if d := env.ModuleOwner(top); d != nil {
		return fmt.Sprintf("; %s is in the archive (distribution %s) but part of it is missing", top, d.Name)
	}
	if by := env.RequiredBy(top); len(by) > 0 {
		return fmt.Sprintf("; no distribution in the archive provides %s, which %s requires: add %s to the requirements and rebuild", top, strings.Join(by, ", "), top)
	}
	return fmt.Sprintf("; no distribution in the archive provides the module %s: add the package that provides it to the requirements and rebuild", top)
}

// hostCannotRun explains why this host cannot run the target, or "".
func hostCannotRun(platform string) string {
	if runtime.GOOS != "linux" {
		return fmt.Sprintf("this host is %s/%s and the target is %s: only Linux hosts import a Linux archive", runtime.GOOS, runtime.GOARCH, orUnknown(platform))
	}
	if platform == "" {
		return ""
	}
	p := strings.ToLower(platform)
	if !strings.Contains(p, "linux") {
		return fmt.Sprintf("the target %s is not Linux", platform)
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}[runtime.GOARCH]
	if arch == "" || !strings.HasSuffix(p, "_"+arch) {
		return fmt.Sprintf("the target %s is not this host's architecture (%s)", platform, runtime.GOARCH)
	}
	if strings.HasPrefix(p, "musllinux") {
		return fmt.Sprintf("the target %s uses musl; this host's Python uses glibc", platform)
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func checkStatic(env *Env, r *Report) error {
	var targetTags map[tags.Tag]bool
	var pol *elfcheck.Policy
	if env.Platform != "" {
		plats, err := tags.ExpandPlatform(env.Platform)
		if err != nil {
			return fmt.Errorf("target platform: %w", err)
		}
		targetTags = map[tags.Tag]bool{}
		for _, t := range tags.ForTarget(env.Python, plats) {
			targetTags[t] = true
		}
		pol, err = elfcheck.PolicyFor(env.Platform)
		if err != nil && !errors.Is(err, elfcheck.ErrNoPolicy) {
			return err
		}
		if pol != nil {
			r.Policy = pol.Name
		}
	} else {
		r.Notes = append(r.Notes, "the target platform is unknown (no build manifest beside the archive): wheel tags are not checked and extension modules are held to the manylinux level their own wheel claims")
	}
	for _, d := range env.Distributions {
		if targetTags != nil && len(d.Tags) > 0 {
			fits := false
			for _, s := range d.Tags {
				ts, err := tags.ParseTag(s)
				if err != nil {
					continue
				}
				for _, t := range ts {
					if targetTags[t] {
						fits = true
					}
				}
			}
			if !fits {
				r.Static = append(r.Static, Finding{Kind: "tag", Distribution: d.Name,
					Message: fmt.Sprintf("%s %s is a wheel for %s, which does not fit Python %s on %s: lock and build again for this target", d.Name, d.Version, strings.Join(d.Tags, ", "), r.Python, env.Platform)})
			}
		}
		dpol := pol
		if dpol == nil && env.Platform == "" {
			dpol = wheelPolicy(d.Tags)
		}
		for _, f := range d.Files {
			if !elfcheck.IsExtension(f) {
				continue
			}
			abs := filepath.Join(d.SiteDir, filepath.FromSlash(f))
			res, err := elfcheck.CheckFile(f, abs, dpol, bundledIn(d.SiteDir))
			if err != nil {
				if os.IsNotExist(err) {
					continue
				}
				r.Static = append(r.Static, Finding{Kind: "elf", Distribution: d.Name, File: f, Message: fmt.Sprintf("%s (%s): %v", f, d.Name, err)})
				continue
			}
			if !res.ELF {
				continue
			}
			r.Extensions++
			for _, pr := range res.Problems {
				fi := Finding{Kind: "elf", Distribution: d.Name, File: f, Message: fmt.Sprintf("%s %s: %s", d.Name, d.Version, pr.Message)}
				if pr.Kind == "symbol-version" {
					fi.Hint = HintNewerPlatform
				}
				if pr.Warning {
					r.Warnings = append(r.Warnings, fi)
					continue
				}
				r.Static = append(r.Static, fi)
			}
		}
	}
	return nil
}

// wheelPolicy is the policy of the oldest manylinux level a wheel's tags claim.
func wheelPolicy(wheelTags []string) *elfcheck.Policy {
	var best *elfcheck.Policy
	for _, s := range wheelTags {
		ts, err := tags.ParseTag(s)
		if err != nil {
			continue
		}
		for _, t := range ts {
			p, err := elfcheck.PolicyFor(t.Platform)
			if err != nil {
				continue
			}
			if best == nil || p.Glibc[1] < best.Glibc[1] {
				// A wheel promises to run on the oldest level it names.
				best = p
			}
		}
	}
	return best
}

// bundledIn says whether a soname is shipped in the site directory: in a
// directory the extension's $ORIGIN RPATH names, or in any *.libs
// directory (auditwheel's layout).
func bundledIn(site string) elfcheck.Bundled {
	var libsDirs []string
	if ents, err := os.ReadDir(site); err == nil {
		for _, e := range ents {
			if e.IsDir() && strings.HasSuffix(e.Name(), ".libs") {
				libsDirs = append(libsDirs, e.Name())
			}
		}
	}
	sort.Strings(libsDirs)
	return func(lib string, dirs []string) bool {
		for _, d := range append(dirs, libsDirs...) {
			if _, err := os.Stat(filepath.Join(site, filepath.FromSlash(path.Clean(d)), lib)); err == nil {
				return true
			}
		}
		return false
	}
}
