// Package record reads and writes RECORD files, the list of a wheel's or
// an installed distribution's files in its .dist-info directory (PEP 376,
// PEP 627; the "Recording installed projects" and "Binary distribution
// format" specifications).
//
// A RECORD is CSV, one row per file: the path, the hash as
// "<algorithm>=<digest>" with the digest in URL-safe base64 without
// padding, and the size in bytes. Hash and size may be empty (RECORD's
// own row, .pyc files an installer compiled).
//
// Read takes what installers write: pip's "\r\n" line ends as well as
// "\n", quotes as Python's csv module reads them, rows with only a path,
// empty lines. It checks the form of every field and names the line of
// what it refuses; what the rows mean (which algorithms a wheel may use,
// whether a path may repeat or leave site-packages) is for the caller.
package record

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// Entry is one row of a RECORD.
type Entry struct {
	// Path is the file's path as written, with '/' separators: relative to
	// the directory holding the .dist-info directory, or absolute.
	Path string
	// Hash is the file's hash; the zero Hash when the row gives none.
	Hash Hash
	// Size is the file's size in bytes, -1 when the row gives none.
	Size int64
}

// Hash is a RECORD hash: a hashlib algorithm name and the digest.
type Hash struct {
	Algorithm string // "sha256", ...; empty for no hash
	Digest    []byte
}

// IsZero reports whether h is no hash.
func (h Hash) IsZero() bool { return h.Algorithm == "" && len(h.Digest) == 0 }

// String returns the hash as RECORD writes it: "sha256=" and the digest
// in URL-safe base64 without padding; "" for no hash.
func (h Hash) String() string {
	if h.IsZero() {
		return ""
	}
	return h.Algorithm + "=" + base64.RawURLEncoding.EncodeToString(h.Digest)
}

// SHA256 returns the sha256 Hash of data, the hash installers write.
func SHA256(data []byte) Hash {
	sum := sha256.Sum256(data)
	return Hash{Algorithm: "sha256", Digest: sum[:]}
}

// digestSize returns the digest length of the hashlib algorithms this
// package knows; a digest of another algorithm is only checked to be
// base64.
func digestSize(algorithm string) (int, bool) {
	switch algorithm {
	case "md5":
		return md5.Size, true
	case "sha1":
		return sha1.Size, true
	case "sha224":
		return sha256.Size224, true
	case "sha256":
		return sha256.Size, true
	case "sha384":
		return sha512.Size384, true
	case "sha512":
		return sha512.Size, true
	}
	return 0, false
}

// NewHash returns a hash.Hash computing algorithm: md5, sha1, sha224,
// sha256, sha384 or sha512.
func NewHash(algorithm string) (hash.Hash, error) {
	switch algorithm {
	case "md5":
		return md5.New(), nil
	case "sha1":
		return sha1.New(), nil
	case "sha224":
		return sha256.New224(), nil
	case "sha256":
		return sha256.New(), nil
	case "sha384":
		return sha512.New384(), nil
	case "sha512":
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("unsupported hash algorithm %q", algorithm)
}

// ParseHash parses a RECORD hash, "<algorithm>=<digest>". The digest may
// keep its '=' padding, as some tools write it; for a known algorithm it
// must have that algorithm's length. An empty s is the zero Hash.
func ParseHash(s string) (Hash, error) {
	if s == "" {
		return Hash{}, nil
	}
	algorithm, encoded, ok := strings.Cut(s, "=")
	if !ok {
		return Hash{}, fmt.Errorf("hash %q is not algorithm=digest", s)
	}
	if !validAlgorithm(algorithm) {
		return Hash{}, fmt.Errorf("hash %q: %q is not a hash algorithm name", s, algorithm)
	}
	digest, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encoded, "="))
	if err != nil || len(digest) == 0 {
		return Hash{}, fmt.Errorf("hash %q: the digest is not URL-safe base64", s)
	}
	if n, known := digestSize(algorithm); known && len(digest) != n {
		return Hash{}, fmt.Errorf("hash %q: a %s digest has %d bytes, not %d", s, algorithm, n, len(digest))
	}
	return Hash{Algorithm: algorithm, Digest: digest}, nil
}

// validAlgorithm reports whether s can name a hashlib algorithm: ASCII
// letters, digits and '_' ("sha256", "sha3_256", "blake2b").
func validAlgorithm(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Read parses a RECORD. A row has a non-empty path without a carriage
// return and at most a hash and a size after it; a hash must parse (ParseHash) and a size be a
// non-negative decimal integer. Errors name the line they are on.
func Read(r io.Reader) ([]Entry, error) {
	var first error
	entries := read(r, func(err error) bool { first = err; return false })
	if first != nil {
		return nil, first
	}
	return entries, nil
}

// ReadLenient parses a RECORD as Read does, but keeps going past the
// rows Read refuses: it returns the rows it could read, and an error for
// each it skipped, naming its line. It is for readers that only list an
// installed distribution's files, written by whatever tool installed it.
func ReadLenient(r io.Reader) ([]Entry, []error) {
	var errs []error
	entries := read(r, func(err error) bool { errs = append(errs, err); return true })
	return entries, errs
}

// read parses rows until the end, handing each error to refused, which
// says whether to go on past it. A read error (not a bad row) always
// ends it.
func read(r io.Reader, refused func(error) bool) []Entry {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true // as Python's csv module, a stray quote is text
	cr.ReuseRecord = true
	var entries []Entry
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return entries
		}
		if err != nil {
			var pe *csv.ParseError
			if !refused(fmt.Errorf("invalid CSV: %w", err)) || !errors.As(err, &pe) {
				return entries
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		e, err := parseRow(row)
		if err != nil {
			if !refused(fmt.Errorf("line %d: %w", line, err)) {
				return entries
			}
			continue
		}
		entries = append(entries, e)
	}
}

func parseRow(row []string) (Entry, error) {
	if len(row) > 3 {
		return Entry{}, fmt.Errorf("%d fields, want path,hash,size", len(row))
	}
	e := Entry{Path: row[0], Size: -1}
	if err := checkPath(e.Path); err != nil {
		return Entry{}, err
	}
	if len(row) > 1 {
		h, err := ParseHash(row[1])
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", e.Path, err)
		}
		e.Hash = h
	}
	if len(row) > 2 && row[2] != "" {
		n, err := strconv.ParseInt(row[2], 10, 64)
		if err != nil || n < 0 {
			return Entry{}, fmt.Errorf("%s: size %q is not a non-negative integer", e.Path, row[2])
		}
		e.Size = n
	}
	return e, nil
}

// Write writes entries as a RECORD in the order given, every row with
// three fields and "\n" line ends, as uv and pypa/installer write it. It
// refuses an entry Read would refuse: an empty path or one with a
// carriage return, a hash without an algorithm name or of the wrong
// length, or a size below -1.
func Write(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	for _, e := range entries {
		if err := checkEntry(e); err != nil {
			return err
		}
		size := ""
		if e.Size >= 0 {
			size = strconv.FormatInt(e.Size, 10)
		}
		if err := cw.Write([]string{e.Path, e.Hash.String(), size}); err != nil {
			return fmt.Errorf("writing the RECORD row of %s: %w", e.Path, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing RECORD: %w", err)
	}
	return nil
}

// checkPath refuses an empty path, and one with a carriage return, which
// CSV cannot carry unchanged (a quoted "\r\n" reads back as "\n").
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case strings.Contains(p, "\r"):
		return fmt.Errorf("path %q has a carriage return", p)
	}
	return nil
}

func checkEntry(e Entry) error {
	if err := checkPath(e.Path); err != nil {
		return fmt.Errorf("RECORD entry: %w", err)
	}
	switch {
	case e.Size < -1:
		return fmt.Errorf("RECORD entry %s: negative size %d", e.Path, e.Size)
	case e.Hash.IsZero():
		return nil
	case !validAlgorithm(e.Hash.Algorithm) || len(e.Hash.Digest) == 0:
		return fmt.Errorf("RECORD entry %s: hash %q needs an algorithm name and a digest", e.Path, e.Hash)
	}
	if n, known := digestSize(e.Hash.Algorithm); known && len(e.Hash.Digest) != n {
		return fmt.Errorf("RECORD entry %s: a %s digest has %d bytes, not %d", e.Path, e.Hash.Algorithm, n, len(e.Hash.Digest))
	}
	return nil
}
