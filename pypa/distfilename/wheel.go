package distfilename

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// Wheel is what a wheel's file name says about it.
type Wheel struct {
	Name    string         // the project name, PEP 503-normalised
	Version pep440.Version // the version
	Build   BuildTag       // the optional build tag
	Tags    []tags.Tag     // the expansion of the compressed tag set
}

// ParseWheel parses a wheel file name, "name-version[-build]-tags.whl", as
// packaging.utils.parse_wheel_filename does: the name may hold Unicode
// letters, digits, "_" and ".", but no "__"; the version must be a PEP 440
// version; the build tag must start with a digit; the tags must parse with
// tags.ParseTag (which also caps their number at tags.MaxParsedTags).
// A build number that does not fit an int is rejected.
func ParseWheel(filename string) (Wheel, error) {
	stem, ok := strings.CutSuffix(filename, ".whl")
	if !ok {
		return Wheel{}, fmt.Errorf("wheel file name %q: does not end in .whl", filename)
	}
	dashes := strings.Count(stem, "-")
	if dashes != 4 && dashes != 5 {
		return Wheel{}, fmt.Errorf("wheel file name %q: has %d parts separated by \"-\", want 5 or 6 (name-version[-build]-python-abi-platform)",
			filename, dashes+1)
	}
	parts := strings.SplitN(stem, "-", dashes-1)
	name := parts[0]
	if !validWheelName(name) {
		return Wheel{}, fmt.Errorf("wheel file name %q: invalid project name %q", filename, name)
	}
	version, err := pep440.Parse(parts[1])
	if err != nil {
		return Wheel{}, fmt.Errorf("wheel file name %q: %w", filename, err)
	}
	var build BuildTag
	if dashes == 5 {
		if build, err = parseBuildTag(parts[2]); err != nil {
			return Wheel{}, fmt.Errorf("wheel file name %q: %w", filename, err)
		}
	}
	tagSet, err := tags.ParseTag(parts[len(parts)-1])
	if err != nil {
		return Wheel{}, fmt.Errorf("wheel file name %q: %w", filename, err)
	}
	return Wheel{Name: pep503.Normalize(name), Version: version, Build: build, Tags: tagSet}, nil
}

// validWheelName reports whether name is a non-empty run of word characters
// ("_", Unicode letters and digits, as Python's \w) and ".", without "__".
func validWheelName(name string) bool {
	if name == "" || strings.Contains(name, "__") {
		return false
	}
	for _, r := range name {
		if r != '_' && r != '.' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}
