package runner

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// validJSON is json.Valid with a fast path for the common row, a string
// of printable ASCII without escapes, which it recognises with a few
// vectorised scans; anything else goes to json.Valid.
func validJSON(b []byte) bool {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		in := b[1 : len(b)-1]
		if bytes.IndexByte(in, '"') < 0 && bytes.IndexByte(in, '\\') < 0 && printable(in) {
			return true
		}
	}
	return json.Valid(b)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// printable reports whether every byte of b is in 0x20-0x7e, eight bytes
// at a time: no high bit, no byte below 0x20, no 0x7f.
func printable(b []byte) bool {
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		del := x ^ 0x7f7f7f7f7f7f7f7f
		if x&highs != 0 || (x-0x20*ones)&^x&highs != 0 || (del-ones)&^del&highs != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// appendJSONString appends s as a JSON string, the bytes json.Marshal
// gives for it: when s is printable ASCII with nothing encoding/json
// escapes (the quote, the backslash, and <, > and & for HTML) it is
// copied between quotes; otherwise json.Marshal writes it.
func appendJSONString(dst, s []byte) []byte {
	plain := printable(s)
	for _, c := range []byte{'"', '\\', '<', '>', '&'} {
		if !plain {
			break
		}
		plain = bytes.IndexByte(s, c) < 0
	}
	if !plain {
		b, _ := json.Marshal(string(s))
		return append(dst, b...)
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
