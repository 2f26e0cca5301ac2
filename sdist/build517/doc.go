// Package build517 is clusterpack's PEP 517 build frontend: it gets the
// core metadata of source distributions (for the resolver) and builds them
// into wheels (for the build step).
//
// Metadata comes from the sdist's own PKG-INFO when PEP 643 makes it
// reliable (Metadata-Version 2.2 or later with neither Requires-Dist nor
// Requires-Python dynamic); otherwise the sdist is unpacked, its
// pyproject.toml [build-system] table read (PEP 518), the build
// requirements handed to the caller's PrepareFunc, and the backend's hooks
// run in a real CPython, one process per hook, by a small runner script
// that answers in a JSON file.
//
// Results are cached under Frontend.CacheDir by the sdist's sha256 and the
// interpreter's implementation, version and platform. Cache entries appear
// under their final name only when complete, so several processes may
// share a cache directory.
package build517
