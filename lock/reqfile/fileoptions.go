package reqfile

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// strongHashes are the algorithms pip accepts in --hash.
var strongHashes = []string{"sha256", "sha384", "sha512"}

// requirementOptions are the per-requirement options of one line.
type requirementOptions struct {
	hashes         []string
	globalOptions  []string
	configSettings map[string][]string
}

// applyLineCallbacks does what pip's option callbacks do while a line is
// parsed, whatever kind of line it is: --only-binary and --no-binary change
// the run's format control, and --hash and --config-settings are checked.
// It returns the per-requirement options.
func (p *parser) applyLineCallbacks(opts []option) (requirementOptions, error) {
	var ro requirementOptions
	for _, o := range opts {
		switch o.kind {
		case optNoBinary:
			if err := p.format.noBinary.handle(o, p.format.onlyBinary); err != nil {
				return ro, err
			}
		case optOnlyBinary:
			if err := p.format.onlyBinary.handle(o, p.format.noBinary); err != nil {
				return ro, err
			}
		case optHash:
			algo, _, ok := strings.Cut(o.value, ":")
			if !ok {
				return ro, fmt.Errorf("%s %q: write a hash name and a value, like --hash=sha256:abcde...", o.name, o.value)
			}
			if !slices.Contains(strongHashes, algo) {
				return ro, fmt.Errorf("%s %q: allowed hash algorithms are %s", o.name, o.value, strings.Join(strongHashes, ", "))
			}
			ro.hashes = append(ro.hashes, o.value)
		case optConfigSettings:
			key, value, ok := strings.Cut(o.value, "=")
			if !ok {
				return ro, fmt.Errorf("%s %q: arguments must be of the form KEY=VALUE", o.name, o.value)
			}
			if ro.configSettings == nil {
				ro.configSettings = map[string][]string{}
			}
			ro.configSettings[key] = append(ro.configSettings[key], value)
		case optGlobalOption:
			ro.globalOptions = append(ro.globalOptions, o.value)
		}
	}
	return ro, nil
}

// applyFileOptions applies the run-wide options of a line without a
// requirement, as pip's handle_option_line updates its finder.
func (p *parser) applyFileOptions(base string, opts []option) {
	fo := &p.file.Options
	var indexURL string
	var extra, findLinks []string
	for _, o := range opts {
		switch o.kind {
		case optNoIndex:
			fo.NoIndex, fo.IndexURL, fo.ExtraIndexURLs = true, "", nil
		case optIndexURL:
			indexURL = o.value
		case optExtraIndexURL:
			extra = append(extra, o.value)
		case optFindLinks:
			findLinks = append(findLinks, o.value)
		case optPre:
			fo.Pre = true
		case optPreferBinary:
			fo.PreferBinary = true
		case optRequireHashes:
			fo.RequireHashes = true
		case optTrustedHost:
			fo.TrustedHosts = append(fo.TrustedHosts, o.value)
		case optUseFeature:
			if !slices.Contains(fo.Features, o.value) {
				fo.Features = append(fo.Features, o.value)
			}
		}
	}
	if indexURL != "" && !fo.NoIndex {
		fo.IndexURL, fo.ExtraIndexURLs = indexURL, nil
	}
	if len(extra) > 0 && !fo.NoIndex {
		fo.ExtraIndexURLs = append(fo.ExtraIndexURLs, extra...)
	}
	if len(findLinks) > 0 {
		fo.FindLinks = append(fo.FindLinks, p.findLinksValue(base, findLinks[0]))
	}
}

// findLinksValue makes a relative --find-links path absolute when it exists
// next to the requirements file, as pip does; anything else is kept.
func (p *parser) findLinksValue(base, value string) string {
	if base == "" || isURL(value) {
		return value
	}
	candidate := filepath.Join(base, value)
	if filepath.IsAbs(value) {
		candidate = value
	}
	if exists, _ := p.stat(candidate); exists {
		return candidate
	}
	return value
}

// formatControl is pip's FormatControl: which projects must (or must not)
// come as wheels.
type formatControl struct {
	noBinary, onlyBinary nameSet
}

// nameSet is a set of ":all:" and normalised project names.
type nameSet map[string]bool

// errNeedsArgument is pip's complaint about "--no-binary --pre".
var errNeedsArgument = errors.New("requires a value: \":all:\", \":none:\" or project names separated by commas")

// handle adds the value of --no-binary or --only-binary to target and
// removes the names from other, exactly as pip's handle_mutual_excludes:
// ":all:" replaces everything in both, ":none:" empties target.
func (target nameSet) handle(o option, other nameSet) error {
	if strings.HasPrefix(o.value, "-") {
		return fmt.Errorf("%s %w", o.name, errNeedsArgument)
	}
	names := strings.Split(o.value, ",")
	for {
		i := slices.Index(names, ":all:")
		if i < 0 {
			break
		}
		clear(other)
		clear(target)
		target[":all:"] = true
		names = names[i+1:]
		if !slices.Contains(names, ":none:") {
			return nil
		}
	}
	for _, n := range names {
		if n == ":none:" {
			clear(target)
			continue
		}
		n = pep503.Normalize(n)
		delete(other, n)
		target[n] = true
	}
	return nil
}

// sorted returns the set's members in order, or nil.
func (s nameSet) sorted() []string {
	var out []string
	for n := range s {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
