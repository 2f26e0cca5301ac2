package reqfile

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// optionKind says what an option does with its value.
type optionKind int

const (
	optIndexURL optionKind = iota
	optExtraIndexURL
	optNoIndex
	optConstraint
	optRequirement
	optEditable
	optFindLinks
	optNoBinary
	optOnlyBinary
	optPreferBinary
	optRequireHashes
	optPre
	optTrustedHost
	optUseFeature
	optGlobalOption
	optHash
	optConfigSettings
)

// optionSpec is one option pip accepts in requirements files.
type optionSpec struct {
	kind       optionKind
	short      string   // "-i", or ""
	long       []string // "--index-url", ...
	takesValue bool
}

// optionSpecs are the options of pip 23.2's requirements-file parser
// (req_file.SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ).
var optionSpecs = []optionSpec{
	{optIndexURL, "-i", []string{"--index-url", "--pypi-url"}, true},
	{optExtraIndexURL, "", []string{"--extra-index-url"}, true},
	{optNoIndex, "", []string{"--no-index"}, false},
	{optConstraint, "-c", []string{"--constraint"}, true},
	{optRequirement, "-r", []string{"--requirement"}, true},
	{optEditable, "-e", []string{"--editable"}, true},
	{optFindLinks, "-f", []string{"--find-links"}, true},
	{optNoBinary, "", []string{"--no-binary"}, true},
	{optOnlyBinary, "", []string{"--only-binary"}, true},
	{optPreferBinary, "", []string{"--prefer-binary"}, false},
	{optRequireHashes, "", []string{"--require-hashes"}, false},
	{optPre, "", []string{"--pre"}, false},
	{optTrustedHost, "", []string{"--trusted-host"}, true},
	{optUseFeature, "", []string{"--use-feature"}, true},
	{optGlobalOption, "", []string{"--global-option"}, true},
	{optHash, "", []string{"--hash"}, true},
	{optConfigSettings, "-C", []string{"--config-settings"}, true},
}

// option is one option found on a line, with the spelling used.
type option struct {
	kind  optionKind
	name  string // as matched, e.g. "--index-url" or "-i"
	value string
}

// parseOptions reads words as Python's optparse does with pip's options:
// long options may be abbreviated to a unique prefix and take their value
// as "--opt=value" or the next word; short options take the rest of the
// word or the next word; "--" ends the options; other words (arguments)
// are ignored, as pip ignores them.
func parseOptions(words []string) ([]option, error) {
	var opts []option
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			return opts, nil
		case strings.HasPrefix(w, "--"):
			name, value, hasValue := strings.Cut(w, "=")
			spec, long, err := matchLong(name)
			if err != nil {
				return nil, err
			}
			if !spec.takesValue {
				if hasValue {
					return nil, fmt.Errorf("%s option does not take a value", long)
				}
				opts = append(opts, option{spec.kind, long, ""})
				continue
			}
			if !hasValue {
				if i+1 >= len(words) {
					return nil, fmt.Errorf("%s option requires 1 argument", long)
				}
				i++
				value = words[i]
			}
			opts = append(opts, option{spec.kind, long, value})
		case strings.HasPrefix(w, "-") && w != "-":
			// A group of short options; every short option pip knows
			// takes a value, so the first one consumes the rest.
			_, size := utf8.DecodeRuneInString(w[1:])
			short := w[:1+size]
			spec, ok := matchShort(short)
			if !ok {
				return nil, fmt.Errorf("no such option: %s", short)
			}
			value := w[len(short):]
			if value == "" {
				if i+1 >= len(words) {
					return nil, fmt.Errorf("%s option requires 1 argument", short)
				}
				i++
				value = words[i]
			}
			opts = append(opts, option{spec.kind, short, value})
		}
	}
	return opts, nil
}

// matchShort finds the option spelled "-x".
func matchShort(name string) (optionSpec, bool) {
	for _, s := range optionSpecs {
		if s.short != "" && s.short == name {
			return s, true
		}
	}
	return optionSpec{}, false
}

// matchLong finds the long option name is, or is a unique prefix of.
func matchLong(name string) (optionSpec, string, error) {
	var candidates []string
	byName := map[string]optionSpec{}
	for _, s := range optionSpecs {
		for _, l := range s.long {
			if l == name {
				return s, l, nil
			}
			if strings.HasPrefix(l, name) {
				candidates = append(candidates, l)
				byName[l] = s
			}
		}
	}
	switch len(candidates) {
	case 0:
		return optionSpec{}, "", fmt.Errorf("no such option: %s", name)
	case 1:
		return byName[candidates[0]], candidates[0], nil
	}
	sort.Strings(candidates)
	return optionSpec{}, "", fmt.Errorf("ambiguous option: %s (%s?)", name, strings.Join(candidates, ", "))
}
