// Package pep440 parses, normalises and compares Python package versions
// and version specifiers as defined by PEP 440, with exactly the behaviour
// of pypa packaging 26.3 (packaging.version and packaging.specifiers).
//
// Numbers in versions may be arbitrarily large, as they may be in Python:
// they are stored exactly and compared exactly, never truncated.
//
// Pre-releases follow packaging 26: Contains with PrereleasesDefault
// admits a pre-release (a single version has no alternative), while Filter
// with PrereleasesDefault keeps pre-releases only when no final release
// matches. A resolver that must skip pre-releases should pass
// PrereleasesExclude to Contains, or use Filter.
package pep440
