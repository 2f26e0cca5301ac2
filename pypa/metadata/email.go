package metadata

import (
	"bytes"
	"strings"
)

// header is one field of an RFC 822 header block, as Python's email parser
// (policy compat32) stores it.
type header struct {
	name  string // as written, before the first ":"
	value string // raw bytes: leading spaces/tabs of the first line removed, continuation lines kept, trailing CR/LF removed
	line  int    // 1-based line number where the field starts
}

// splitLines splits data after every "\r\n", "\r" or "\n", keeping the line
// endings, as Python's email parser does.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			lines = append(lines, data)
			break
		}
		end := i + 1
		if data[i] == '\r' && end < len(data) && data[end] == '\n' {
			end++
		}
		lines = append(lines, data[:end])
		data = data[end:]
	}
	return lines
}

// isHeaderLine reports whether Python's email parser takes line as part of
// the header block: a "From " envelope line, a field name of printable
// ASCII other than ":" followed by ":", or a continuation line starting with
// a space or tab.
func isHeaderLine(line []byte) bool {
	if bytes.HasPrefix(line, []byte("From ")) {
		return true
	}
	if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		return true
	}
	for _, c := range line {
		if c == ':' {
			return true
		}
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return false
}

// parseEmail splits an RFC 822 message into its header fields and body the
// way Python's email.parser.BytesParser with policy compat32 does:
//
//   - the header block ends at the first line that is not a header line; an
//     empty line there is dropped, any other line starts the body;
//   - a line starting with a space or tab continues the previous field (and
//     is ignored when there is none);
//   - an envelope line "From ..." is ignored, except as the last line of the
//     header block, where it starts the body;
//   - a line starting with ":" (a field without a name) is ignored.
func parseEmail(data []byte) (headers []header, body []byte) {
	lines := splitLines(data)
	n := 0
	for n < len(lines) && isHeaderLine(lines[n]) {
		n++
	}
	bodyStart := n
	if n < len(lines) && (lines[n][0] == '\r' || lines[n][0] == '\n') {
		bodyStart = n + 1
	}

	var pushedBack []byte // an envelope line that starts the body
	var cur []string      // lines of the field being read
	curLine := 0
	flush := func() {
		if cur != nil {
			headers = append(headers, newHeader(cur, curLine))
			cur = nil
		}
	}
	for i := 0; i < n; i++ {
		line := lines[i]
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				cur = append(cur, string(line))
			}
			continue
		}
		flush()
		if bytes.HasPrefix(line, []byte("From ")) {
			if i > 0 && i == n-1 {
				pushedBack = line
				break
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		cur, curLine = []string{string(line)}, i+1
	}
	flush()
	body = append(body, pushedBack...)
	for _, line := range lines[bodyStart:] {
		body = append(body, line...)
	}
	return headers, body
}

// newHeader builds a field from its lines as compat32's
// header_source_parse does.
func newHeader(lines []string, lineNo int) header {
	name, first, _ := strings.Cut(lines[0], ":")
	value := strings.TrimLeft(first, " \t") + strings.Join(lines[1:], "")
	return header{name: name, value: strings.TrimRight(value, "\r\n"), line: lineNo}
}
