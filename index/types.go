package index

import "time"

// Project is what the indexes and find-links locations offer for one
// project.
type Project struct {
	// Name is the PEP 503 normalised project name.
	Name string
	// Files are the files of every index, in index order, then those of
	// every find-links location, each in the order its page or directory
	// listed them; a URL appears once.
	Files []File
}

// File is one distribution file listed for a project.
type File struct {
	// Filename is the file's name, as the last segment of its URL.
	Filename string
	// URL is where to download the file: absolute, without credentials and
	// without a hash fragment.
	URL string
	// Hashes maps lower-case hash names (sha256, ...) to hex digests, from
	// the page or the URL's fragment.
	Hashes map[string]string
	// RequiresPython is the raw Requires-Python specifier, "" if none.
	RequiresPython string
	// Yanked is set for files yanked from the index (PEP 592), with the
	// reason in YankedReason when the index gave one.
	Yanked       bool
	YankedReason string
	// CoreMetadata is set when the index serves the file's core metadata
	// at URL + ".metadata" (PEP 658 / PEP 714), with that file's hashes in
	// CoreMetadataHashes when given.
	CoreMetadata       bool
	CoreMetadataHashes map[string]string
	// Size is the file's size in bytes, 0 when unknown.
	Size int64
	// UploadTime is when the file was uploaded, the zero time when unknown.
	UploadTime time.Time
	// Index is the URL of the index or find-links location that listed
	// the file, without credentials (redact.Strip): it goes into locks.
	Index string
}
