package wheel

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/record"
)

// readRecord reads a wheel's RECORD (see pypa/record) into its entries by
// path, with the rules of the binary distribution format on top: a hash
// must use sha256 or better (the spec forbids md5 and sha1), and a path
// listed twice must be listed the same way. A leading '/' is dropped, as
// uv does for wheels that wrote absolute paths.
func readRecord(data []byte) (map[string]record.Entry, error) {
	rows, err := record.Read(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	entries := make(map[string]record.Entry, len(rows))
	for _, e := range rows {
		e.Path = strings.TrimLeft(e.Path, "/")
		if e.Path == "" {
			return nil, fmt.Errorf("a path of only '/'")
		}
		switch a := e.Hash.Algorithm; a {
		case "", "sha256", "sha384", "sha512":
		case "md5", "sha1":
			return nil, fmt.Errorf("%s: hash algorithm %s is not permitted in RECORD", e.Path, a)
		default:
			return nil, fmt.Errorf("%s: unsupported hash algorithm %q", e.Path, a)
		}
		if old, dup := entries[e.Path]; dup && (old.Hash.String() != e.Hash.String() || old.Size != e.Size) {
			return nil, fmt.Errorf("%s is listed twice, differently", e.Path)
		}
		entries[e.Path] = e
	}
	return entries, nil
}

// renderRecord writes entries sorted by path, with "\n" line ends as uv
// and pypa/installer do (pip writes "\r\n").
func renderRecord(entries []record.Entry) ([]byte, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	var buf bytes.Buffer
	if err := record.Write(&buf, entries); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
