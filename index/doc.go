// Package index is the client for Python package indexes: the PEP 691 JSON
// and PEP 503 HTML simple API, find-links pages and directories, the
// core-metadata files of PEP 658 (read from the wheel itself through HTTP
// range requests when the index offers none), and verified downloads.
//
// A Client behaves as pip and uv do: it negotiates the page format,
// keeps the files of every index, authenticates with credentials from the
// index URL or a netrc lookup, revalidates an on-disk HTTP cache, bounds
// its concurrent requests and retries transient failures. Credentials never
// appear in its errors, logs or results; see Redact.
//
// Interpreting file names, versions and Requires-Python is left to the
// caller.
package index
