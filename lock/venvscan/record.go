package venvscan

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// RecordEntry is one row of a RECORD file.
type RecordEntry struct {
	// Path is the file's path as written: relative to the directory that
	// holds the .dist-info directory (site-packages), or absolute.
	Path string
	// Hash is "<algorithm>=<urlsafe-base64 digest>", or empty.
	Hash string
	// Size is the file's size in bytes, or -1 when the row gives none.
	Size int64
}

// ParseRecord parses a RECORD file: CSV rows of path, hash and size, the
// latter two possibly empty (as for RECORD itself and .pyc files). Empty
// lines are skipped. A row with more than three fields, an empty path, or
// a size that is not a non-negative integer is an error naming its line.
func ParseRecord(data []byte) ([]RecordEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var out []RecordEntry
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		if len(row) > 3 {
			return nil, fmt.Errorf("line %d: %d fields, want path,hash,size", line, len(row))
		}
		e := RecordEntry{Path: row[0], Size: -1}
		if e.Path == "" {
			return nil, fmt.Errorf("line %d: empty path", line)
		}
		if len(row) > 1 {
			e.Hash = row[1]
		}
		if len(row) > 2 && row[2] != "" {
			n, err := strconv.ParseInt(row[2], 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("line %d: size %q of %s is not a non-negative integer", line, row[2], e.Path)
			}
			e.Size = n
		}
		out = append(out, e)
	}
}
