package reqfile

import (
	"context"
	"fmt"
	"io"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// Options tells Parse how to reach the world. The zero value reads files
// with os.Open, expands no variables and refuses URLs.
type Options struct {
	// Getenv returns the value of an environment variable for ${NAME}
	// expansion; "" means unset. Nil expands nothing.
	Getenv func(name string) string
	// Open opens a local file (a requirements file, or a path that a line
	// refers to, to tell directories from files). Nil means os.Open.
	Open func(path string) (io.ReadCloser, error)
	// Fetch downloads an http(s) URL named by -r or -c. Nil makes such
	// lines an error.
	Fetch func(ctx context.Context, url string) ([]byte, error)
}

// File is everything a requirements file and the files it includes say.
type File struct {
	// Requirements are the requirement lines, in file order with nested -r
	// files expanded in place.
	Requirements []Requirement
	// Constraints are the lines of -c files (Constraint is true on each).
	Constraints []Requirement
	// Options are the run-wide options after all lines are applied.
	Options FileOptions
}

// Source is where a line comes from: the file as it was named (joined to
// the including file's directory, or a URL) and the 1-based line number of
// the line's first physical line.
type Source struct {
	File string
	Line int
}

// String formats the source as "file:line", the prefix of error messages
// (just the file when the line is unknown).
func (s Source) String() string {
	if s.Line <= 0 {
		return redact.Mask(s.File)
	}
	return fmt.Sprintf("%s:%d", redact.Mask(s.File), s.Line)
}

// Requirement is one requirement line.
type Requirement struct {
	// Line is where the requirement was written.
	Line Source
	// Text is the requirement as written, after ${VAR} expansion and
	// without the options that follow it (for -e lines, the option's value).
	Text string
	// Req is the requirement pip derives from the line: the PEP 508
	// requirement itself; for a wheel path or URL, name==version taken from
	// the file name (with the line's marker); for a URL with #egg=name, that
	// name. It is nil when the project name is only known after building
	// (a directory, an sdist, a VCS URL without #egg=).
	Req *pep508.Requirement
	// Extras are the extras of an unnamed requirement (./dir[dev]); named
	// requirements carry theirs in Req.
	Extras []string
	// Marker is the environment marker of an unnamed requirement
	// (./dir; python_version < "3.12"); named ones carry it in Req.
	Marker *pep508.Marker
	// Editable is true for -e/--editable lines.
	Editable bool
	// Path is the absolute local path of a wheel, sdist or project
	// directory (from a path or a file: URL), made absolute against the
	// directory of the file the line is in.
	Path string
	// URL is the location when the line gives one: a bare URL, name @ URL,
	// or an -e VCS URL, as written (fragments included).
	URL string
	// Hashes are the --hash values, "algo:hexdigest", in the order written.
	Hashes []string
	// GlobalOptions are the --global-option values, kept for the builder.
	GlobalOptions []string
	// ConfigSettings are the --config-settings (-C) KEY=VALUE pairs, values
	// of repeated keys in order.
	ConfigSettings map[string][]string
	// Constraint is true for lines of a -c/--constraint file.
	Constraint bool
}

// FileOptions are the run-wide options of a requirements file, with later
// lines and nested files applied over earlier ones as pip applies them.
type FileOptions struct {
	// IndexURL is the last --index-url (-i); "" keeps the default index.
	// Like pip, a later --index-url drops the extra index URLs before it.
	IndexURL string
	// ExtraIndexURLs are the --extra-index-url values since the last
	// --index-url.
	ExtraIndexURLs []string
	// FindLinks are the --find-links (-f) values; a relative path that
	// exists next to the file is made absolute, as pip does. Like pip, only
	// the first -f of a line counts.
	FindLinks []string
	// TrustedHosts are the --trusted-host values.
	TrustedHosts []string
	// NoIndex is set by --no-index; it clears IndexURL and ExtraIndexURLs
	// and makes later index options ineffective.
	NoIndex bool
	// Pre is set by --pre.
	Pre bool
	// PreferBinary is set by --prefer-binary.
	PreferBinary bool
	// RequireHashes is set by --require-hashes.
	RequireHashes bool
	// OnlyBinary and NoBinary are pip's format control after all
	// --only-binary/--no-binary values: ":all:" or normalised project names,
	// sorted (":none:" empties the list it is given to and is not kept).
	OnlyBinary, NoBinary []string
	// Features are the --use-feature values; clusterpack ignores them.
	Features []string
}
