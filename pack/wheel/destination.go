package wheel

import (
	"archive/zip"
	"io"
	"io/fs"
)

// Destination receives the files of an installation. Paths are
// slash-separated, relative to the environment's root, validated by
// Install (no "..", no absolute paths), and each is created once per
// installation. Install writes one file at a time and closes it before
// creating the next.
//
// When Install fails, the destination holds whatever was written before
// the failure: a Destination is a staging area that its owner discards on
// error (InstallDir does that for a single wheel).
type Destination interface {
	// Create opens a new file for writing. mode is 0o644, or 0o755 for
	// executables; a destination may normalise it further.
	Create(path string, mode fs.FileMode) (io.WriteCloser, error)
}

// RawDestination is a Destination that can also take a zip member as its
// compressed bytes, for members Install does not rewrite.
//
// fh describes the member: Name is the installed path, Method, CRC32,
// CompressedSize64 and UncompressedSize64 are the wheel's, Modified is
// 1980-01-01 and the mode is normalised. The bytes written are the
// member's compressed data, exactly as in the wheel. The destination
// must not keep fh.
type RawDestination interface {
	Destination
	CreateRaw(path string, fh *zip.FileHeader) (io.Writer, error)
}
