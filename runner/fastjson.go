package runner

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// validJSON is json.Valid with a fast path for the common row, a string
// of printable ASCII without escapes (or a list of one, a call's
// arguments), which it recognises with a few vectorised scans; anything
// else goes to json.Valid.
func validJSON(b []byte) bool {
	if _, ok := plainStringArg(b); ok {
		return true
	}
	return json.Valid(b)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// printable reports whether every byte of b is in 0x20-0x7e, 32 bytes
// at a time (a row of 1000 bytes is scanned three times on its way:
// read, run, written).
func printable(b []byte) bool {
	for len(b) >= 32 {
		if printables(word8(b))&printables(word8(b[8:]))&printables(word8(b[16:]))&printables(word8(b[24:])) != highs {
			return false
		}
		b = b[32:]
	}
	for len(b) >= 8 {
		if printables(word8(b)) != highs {
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

func word8(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// printables has the high bit of each byte of x set that is in 0x20-0x7e:
// with y the low seven bits of each byte, y + 0x60 reaches 0x80 when y is
// 0x20 or more, y + 1 when y is 0x7f, and neither sum carries into the
// next byte; a byte with its own high bit set is not printable.
func printables(x uint64) uint64 {
	y := x &^ highs
	return (y + 0x60*ones) &^ (y + ones) &^ x & highs
}

// appendJSONString appends s as a JSON string, the bytes json.Marshal
// gives for it: printable ASCII is copied, with the quote and the
// backslash escaped and <, > and & written as \u003c, \u003e and \u0026
// (encoding/json's HTML escaping); text with any other byte is left to
// json.Marshal.
func appendJSONString(dst, s []byte) []byte {
	if !printable(s) {
		b, _ := json.Marshal(string(s))
		return append(dst, b...)
	}
	dst = append(dst, '"')
	for len(s) > 0 {
		i := len(s)
		for _, c := range jsonSpecial {
			if k := bytes.IndexByte(s[:i], c); k >= 0 {
				i = k
			}
		}
		dst = append(dst, s[:i]...)
		if i == len(s) {
			break
		}
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
		}
		s = s[i+1:]
	}
	return append(dst, '"')
}

// jsonSpecial are the printable bytes encoding/json escapes.
var jsonSpecial = [...]byte{'"', '\\', '<', '>', '&'}

const hexDigits = "0123456789abcdef"

// plainText reports whether s is printable ASCII without a quote or a
// backslash: the JSON string of such text is s between quotes, in Go's
// encoding/json and in Python's json module alike.
func plainText(s []byte) bool {
	return bytes.IndexByte(s, '"') < 0 && bytes.IndexByte(s, '\\') < 0 && printable(s)
}

// plainString recognises the JSON string of plain text, "text" exactly,
// and returns the text.
func plainString(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	return b[1 : len(b)-1], plainText(b[1 : len(b)-1])
}

// plainStringArg recognises the arguments of a call of one plain-text
// str, the JSON ["text"] or "text" exactly, and returns the text.
func plainStringArg(args []byte) ([]byte, bool) {
	if len(args) >= 4 && args[0] == '[' && args[len(args)-1] == ']' {
		args = args[1 : len(args)-1]
	}
	return plainString(args)
}
