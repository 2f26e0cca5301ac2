package wheel

import "io/fs"

// Options control an installation.
type Options struct {
	// Scheme says where each part of the wheel goes; required (see
	// VenvScheme).
	Scheme Scheme

	// Shebang is the interpreter that scripts and entry-point launchers
	// run with. Empty means "python" in the scripts directory, reached
	// through a /bin/sh trampoline that resolves the script's own
	// directory, so the environment can be moved (uv's --relocatable
	// form). A relative path such as "python3.11" is resolved the same
	// way, from the scripts directory. An absolute path gives
	// "#!<path>", or the trampoline with that path when it is longer
	// than 127 bytes or contains a space. It may not contain quotes,
	// newlines or NUL.
	Shebang string

	// Requested writes an empty .dist-info/REQUESTED, marking the project
	// as asked for by the user rather than pulled in as a dependency.
	Requested bool

	// DirectURL, when not nil, is written as .dist-info/direct_url.json
	// (PEP 610), byte for byte; it must be valid JSON.
	DirectURL []byte

	// Verify says how members copied raw are checked against RECORD.
	Verify Verification
}

// Verification says how thoroughly members are checked against the
// wheel's RECORD. Every member must be listed in RECORD with a hash of
// sha256 or better, and must have the listed size, whatever the mode.
type Verification int

const (
	// VerifyHashes, the default, hashes every member's content and
	// compares it with RECORD. A member written through Create is hashed
	// as it is inflated (and the zip reader checks its CRC-32); a member
	// copied raw is inflated on the side while its compressed bytes are
	// copied, costing an inflate but no deflate, and its CRC-32 is
	// checked too.
	VerifyHashes Verification = iota

	// VerifySizes skips the side inflate of raw copies: their size is
	// compared with RECORD, RECORD's sha256 is trusted for the installed
	// RECORD, and the CRC-32 is carried into the destination for whoever
	// inflates the member to check. Use it only when the wheel itself is
	// pinned by a verified hash (a lock file's sha256), which rules out
	// tampering, and when VerifyRecord runs on the wheel (on another
	// goroutine, while the destination is written) and the destination is
	// given up if it fails: a wheel published with a RECORD that lies
	// about a hash would otherwise ship with the lie in the installed
	// RECORD. Members written through Create are still hashed.
	VerifySizes
)

// Installed describes an installed wheel.
type Installed struct {
	Name    string // the project name, as METADATA spells it
	Version string // the version, as METADATA spells it
	// Files lists every file written, RECORD included, sorted by Path.
	Files []InstalledFile
	// TopLevel lists the importable top-level packages and modules found
	// in purelib and platlib (directories and namespace packages, .py
	// files, extension modules), sorted.
	TopLevel []string
	// Scripts lists the paths, relative to the environment root, of the
	// scripts and entry-point launchers written to the scripts directory,
	// sorted.
	Scripts []string
}

// InstalledFile is one file an installation wrote.
type InstalledFile struct {
	Path   string      // slash-separated, relative to the environment root
	SHA256 string      // lower-case hex digest of the content
	Size   int64       // bytes
	Mode   fs.FileMode // 0o644 or 0o755
}
