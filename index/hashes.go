package index

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"net/url"
	"strings"
)

// hashAlgorithms are the hash names pip accepts in hash fragments and
// simple pages, strongest first; verification uses the strongest given.
var hashAlgorithms = []struct {
	name string
	new  func() hash.Hash
}{
	{"sha512", sha512.New},
	{"sha384", sha512.New384},
	{"sha256", sha256.New},
	{"sha224", sha256.New224},
	{"sha1", sha1.New},
	{"md5", md5.New},
}

// knownHash reports whether name is a hash of hashAlgorithms.
func knownHash(name string) bool {
	for _, alg := range hashAlgorithms {
		if alg.name == name {
			return true
		}
	}
	return false
}

// checker computes a hash of a stream and compares it with the one an
// index published.
type checker struct {
	hash.Hash
	algorithm, want string
}

// newChecker returns a checker for the preferred hash of hashes: sha256,
// which every index gives, else the strongest known one; nil when hashes
// holds no known hash.
func newChecker(hashes map[string]string) *checker {
	if want, ok := hashes["sha256"]; ok {
		return &checker{Hash: sha256.New(), algorithm: "sha256", want: strings.ToLower(want)}
	}
	for _, alg := range hashAlgorithms {
		if want, ok := hashes[alg.name]; ok {
			return &checker{Hash: alg.new(), algorithm: alg.name, want: strings.ToLower(want)}
		}
	}
	return nil
}

// verify returns a *HashMismatchError naming filename unless the bytes
// written so far have the expected hash. A nil checker accepts anything.
func (c *checker) verify(filename string) error {
	if c == nil {
		return nil
	}
	if got := hex.EncodeToString(c.Sum(nil)); got != c.want {
		return &HashMismatchError{Filename: filename, Algorithm: c.algorithm, Expected: c.want, Actual: got}
	}
	return nil
}

// splitHashFragment removes the fragment of u and returns the hashes it
// named ("#sha256=..."; other keys, such as egg=, are dropped).
func splitHashFragment(u *url.URL) map[string]string {
	fragment := u.Fragment
	u.Fragment, u.RawFragment = "", ""
	var hashes map[string]string
	for _, part := range strings.Split(fragment, "&") {
		name, value, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || value == "" || !knownHash(name) {
			continue
		}
		if hashes == nil {
			hashes = make(map[string]string)
		}
		hashes[name] = strings.ToLower(strings.TrimSpace(value))
	}
	return hashes
}

// mergeHashes adds the entries of from missing in to, and returns to.
func mergeHashes(to, from map[string]string) map[string]string {
	for name, value := range from {
		if to == nil {
			to = make(map[string]string)
		}
		if _, ok := to[name]; !ok {
			to[name] = value
		}
	}
	return to
}

// normaliseHashes lower-cases the names and digests of an index's hashes.
func normaliseHashes(hashes map[string]string) map[string]string {
	if len(hashes) == 0 {
		return nil
	}
	out := make(map[string]string, len(hashes))
	for name, value := range hashes {
		out[strings.ToLower(name)] = strings.ToLower(value)
	}
	return out
}
