package lockfile

import "time"

// SupportedLockVersion is the lock-version this package writes and the
// only minor version it knows every key of.
const SupportedLockVersion = "1.0"

// Lock is a pylock.toml file (PEP 751, "pylock.toml Specification" on
// packaging.python.org).
//
// Optional keys are absent when their field is the zero value. Lists keep
// the difference between absent (nil) and explicitly empty (a non-nil empty
// slice), because the specification gives "extras = []" a meaning of its own.
// Packages is the exception: the key is required, so nil and empty are both
// written as "packages = []".
type Lock struct {
	LockVersion      string    // "lock-version", required; major version 1
	Environments     []string  // "environments": marker expressions the lock is valid for
	RequiresPython   string    // "requires-python": a version specifier set
	Extras           []string  // "extras": normalized extra names
	DependencyGroups []string  // "dependency-groups"
	DefaultGroups    []string  // "default-groups"
	CreatedBy        string    // "created-by", required: the tool that wrote the lock
	Packages         []Package // "[[packages]]"
	// Tool is the "[tool]" table: one entry per tool name. Values are what
	// the TOML reader produces: string, int64, float64, bool, time.Time,
	// []any and map[string]any. Use SetTool and DecodeTool for typed
	// access.
	Tool map[string]any

	// Warnings lists what Read tolerated but did not understand: keys
	// unknown to lock-version 1.0 in a lock of a newer 1.x version. It is
	// never written.
	Warnings []string
}

// Package is one "[[packages]]" entry. Exactly one source kind is set:
// VCS, Directory, Archive, or Sdist and/or Wheels.
type Package struct {
	Name           string // "name", required, normalized (PEP 503)
	Version        string // "version"
	Marker         string // "marker": when the package is installed
	RequiresPython string // "requires-python"
	// Dependencies are "[[packages.dependencies]]": tables naming other
	// package entries, for auditing only.
	Dependencies []map[string]any
	Index        string // "index": the simple-repository base URL
	VCS          *VCS
	Directory    *Directory
	Archive      *Archive
	Sdist        *Sdist
	Wheels       []Wheel
	// AttestationIdentities are "[[packages.attestation-identities]]";
	// each has at least a string "kind".
	AttestationIdentities []map[string]any
	// Tool is "[packages.tool]"; see Lock.Tool for the value types.
	Tool map[string]any
}

// VCS is "[packages.vcs]": a source tree in a version control system.
type VCS struct {
	Type              string // "type": git, hg, bzr or svn
	URL               string // "url"; URL or Path is required
	Path              string // "path": a local checkout, relative to the lock file
	RequestedRevision string // "requested-revision", informational only
	CommitID          string // "commit-id", required: the immutable revision
	Subdirectory      string // "subdirectory": where the project root is
}

// Directory is "[packages.directory]": a local source tree.
type Directory struct {
	Path         string // "path", required, relative to the lock file or absolute
	Editable     bool   // "editable"
	Subdirectory string // "subdirectory"
}

// Archive is "[packages.archive]": a direct reference to an archive file.
type Archive struct {
	URL          string            // "url"; URL or Path is required
	Path         string            // "path"
	Size         int64             // "size" in bytes; 0 when unknown
	UploadTime   time.Time         // "upload-time" in UTC; zero when unknown
	Hashes       map[string]string // "hashes": algorithm → hex digest, at least one
	Subdirectory string            // "subdirectory"
}

// Sdist is "[packages.sdist]": a source distribution.
type Sdist struct {
	Name       string            // "name": the file name, when not the last URL/path component
	UploadTime time.Time         // "upload-time" in UTC; zero when unknown
	URL        string            // "url"; URL or Path is required
	Path       string            // "path"
	Size       int64             // "size" in bytes; 0 when unknown
	Hashes     map[string]string // "hashes": algorithm → hex digest, at least one
}

// Wheel is one "[[packages.wheels]]" entry.
type Wheel struct {
	Name       string            // "name": the file name, when not the last URL/path component
	UploadTime time.Time         // "upload-time" in UTC; zero when unknown
	URL        string            // "url"; URL or Path is required
	Path       string            // "path"
	Size       int64             // "size" in bytes; 0 when unknown
	Hashes     map[string]string // "hashes": algorithm → hex digest, at least one
}

// Filename is the wheel's file name: Name, else the last component of
// Path, else the last (percent-decoded) path component of URL.
func (w Wheel) Filename() string { return artifactFilename(w.Name, w.Path, w.URL) }

// Filename is the sdist's file name: Name, else the last component of
// Path, else the last (percent-decoded) path component of URL.
func (s Sdist) Filename() string { return artifactFilename(s.Name, s.Path, s.URL) }
