package pep508

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// unquotePython evaluates a quoted marker value the way packaging does
// (ast.literal_eval of a single- or double-quoted Python string literal):
// backslash escapes are interpreted, a backslash before a line break joins
// the lines, and a bare line break or NUL makes the literal invalid.
//
// Not supported: \N{name} escapes (Go has no Unicode name table); they are
// reported as errors although Python accepts valid names. Escapes of
// surrogate code points (\ud800), which Python keeps as lone surrogates,
// become U+FFFD.
func unquotePython(lit string) (string, error) {
	if len(lit) < 2 || lit[0] != lit[len(lit)-1] || (lit[0] != '"' && lit[0] != '\'') {
		return "", errors.New("not a quoted string")
	}
	body := lit[1 : len(lit)-1]
	if trailingBackslashes(body)%2 == 1 {
		return "", errors.New("the closing quote is escaped by a backslash")
	}
	var b strings.Builder
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == 0:
			return "", errors.New("NUL character in a string literal")
		case c == '\n' || c == '\r':
			return "", errors.New("line break in a string literal")
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		// A backslash escape; the body does not end with an odd backslash.
		i++
		e := body[i]
		i++
		switch e {
		case '\n':
		case '\r':
			if i < len(body) && body[i] == '\n' {
				i++
			}
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(e - '0')
			for k := 0; k < 2 && i < len(body) && body[i] >= '0' && body[i] <= '7'; k++ {
				n = n*8 + int(body[i]-'0')
				i++
			}
			b.WriteRune(rune(n))
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+width > len(body) {
				return "", errors.New(`truncated \` + string(e) + ` escape`)
			}
			n, err := strconv.ParseUint(body[i:i+width], 16, 32)
			if err != nil || strings.ContainsAny(body[i:i+width], "+-") {
				return "", errors.New(`truncated \` + string(e) + ` escape`)
			}
			if n > utf8.MaxRune {
				return "", errors.New(`escape \` + body[i-1:i+width] + ` is beyond Unicode`)
			}
			i += width
			b.WriteRune(rune(n)) // surrogates become U+FFFD
		case 'N':
			return "", errors.New(`\N{...} escapes are not supported`)
		default:
			// Python keeps unknown escapes as they are (with a warning).
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

func trailingBackslashes(s string) int {
	return len(s) - len(strings.TrimRight(s, `\`))
}
