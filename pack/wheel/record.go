package wheel

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"
)

// recordEntry is one row of a wheel's RECORD.
type recordEntry struct {
	algorithm string // "sha256", "sha384", "sha512"; empty when no hash
	digest    []byte
	size      int64 // -1 when not given
}

// newHash returns a hash for a RECORD algorithm: sha256, sha384 or sha512.
func newHash(algorithm string) hash.Hash {
	switch algorithm {
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return sha256.New()
}

// String is the entry's hash as RECORD writes it.
func (e recordEntry) String() string {
	return recordHash(e.algorithm, e.digest)
}

// recordHash formats a RECORD hash: algorithm, '=', and the digest in
// URL-safe base64 without padding.
func recordHash(algorithm string, digest []byte) string {
	return algorithm + "=" + base64.RawURLEncoding.EncodeToString(digest)
}

// parseRecord reads a wheel's RECORD: CSV rows of path, hash and size,
// the hash and size optional. The hash must use sha256 or better (the
// spec forbids md5 and sha1). A path listed twice must be listed the same
// way. A leading '/' is dropped, as uv does for wheels that wrote absolute
// paths.
func parseRecord(data []byte) (map[string]recordEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	entries := map[string]recordEntry{}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		p := strings.TrimLeft(row[0], "/")
		if p == "" {
			return nil, fmt.Errorf("line %d: empty path", line)
		}
		e := recordEntry{size: -1}
		if len(row) > 1 && row[1] != "" {
			algorithm, encoded, ok := strings.Cut(row[1], "=")
			if !ok {
				return nil, fmt.Errorf("line %d: %s: hash %q is not algorithm=digest", line, p, row[1])
			}
			switch algorithm {
			case "sha256", "sha384", "sha512":
			case "md5", "sha1":
				return nil, fmt.Errorf("line %d: %s: hash algorithm %s is not permitted in RECORD", line, p, algorithm)
			default:
				return nil, fmt.Errorf("line %d: %s: unsupported hash algorithm %q", line, p, algorithm)
			}
			digest, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encoded, "="))
			if err != nil || len(digest) != newHash(algorithm).Size() {
				return nil, fmt.Errorf("line %d: %s: malformed %s digest %q", line, p, algorithm, encoded)
			}
			e.algorithm, e.digest = algorithm, digest
		}
		if len(row) > 2 && row[2] != "" {
			size, err := strconv.ParseInt(row[2], 10, 64)
			if err != nil || size < 0 {
				return nil, fmt.Errorf("line %d: %s: malformed size %q", line, p, row[2])
			}
			e.size = size
		}
		if old, dup := entries[p]; dup && (old.String() != e.String() || old.size != e.size) {
			return nil, fmt.Errorf("line %d: %s is listed twice, differently", line, p)
		}
		entries[p] = e
	}
}

// recordRow is one row of the RECORD Install writes.
type recordRow struct {
	path string // relative to the directory holding the .dist-info
	hash string // "sha256=..."; empty for RECORD itself
	size string // decimal; empty for RECORD itself
}

// renderRecord writes rows sorted by path, with "\n" line ends as uv and
// pypa/installer do (pip writes "\r\n").
func renderRecord(rows []recordRow) ([]byte, error) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].path < rows[j].path })
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		if err := w.Write([]string{r.path, r.hash, r.size}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
