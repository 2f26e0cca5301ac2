// Package httpcache is a small on-disk cache of HTTP responses for the
// simple pages of Python package indexes.
//
// Entries are keyed by URL and Accept header, hold the body with the
// headers that matter for caching (validators and Cache-Control), and are
// written atomically (temporary file and rename), so several processes can
// share one cache directory. The package decides freshness the way a
// private HTTP cache does (RFC 9111): Cache-Control max-age makes an entry
// fresh for that long; no-cache, or no max-age at all, means the entry must
// be revalidated with If-None-Match / If-Modified-Since before use; no-store
// means the response is not stored.
package httpcache
