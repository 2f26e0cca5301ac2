// Package testindex builds real Python distributions and serves them from
// a real PEP 503 / PEP 691 package index on 127.0.0.1, for tests of the
// resolver, the builders and the uploaders.
//
// Distributions are built deterministically — sorted entries, fixed
// timestamps (1980-01-01), fixed modes — so one spec always gives the same
// bytes and the same sha256:
//
//	whl := testindex.Wheel(testindex.WheelSpec{
//		Name: "demo", Version: "1.0",
//		RequiresDist: []string{"six>=1.16"},
//		Files: map[string]string{"demo/__init__.py": "VALUE = 1\n"},
//	})
//	srv := testindex.Start(t, []testindex.Project{{Name: "demo", Files: []testindex.File{whl}}}, testindex.Options{})
//	// pip install --index-url srv.IndexURL() demo
//
// The server negotiates JSON (PEP 691) or HTML (PEP 503) pages, serves
// PEP 658 metadata files, yanked files, Requires-Python, hashes, range
// requests, ETag / Last-Modified revalidation and basic authentication;
// Options switch each off to imitate a poorer index, and can inject
// failures. Server.Requests counts the requests of each path.
package testindex
