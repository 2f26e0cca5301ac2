package venvscan

import (
	"regexp"
	"strings"
)

// mappingStart finds the assignment of MAPPING in a setuptools editable
// finder module: "MAPPING = {" or "MAPPING: dict[str, str] = {".
var mappingStart = regexp.MustCompile(`(?m)^MAPPING\s*(?::[^=\n]*)?=\s*\{`)

// parseFinderMapping reads the MAPPING dict literal of a setuptools
// editable finder module: top-level package names to their directories,
// written with repr() as string keys and string values. It returns nil
// when there is no such literal or it is not a dict of strings.
func parseFinderMapping(src string) map[string]string {
	loc := mappingStart.FindStringIndex(src)
	if loc == nil {
		return nil
	}
	p := &literalParser{s: src[loc[1]:]}
	out := map[string]string{}
	for {
		p.skipSpace()
		if p.eat('}') {
			return out
		}
		key, ok := p.str()
		if !ok {
			return nil
		}
		p.skipSpace()
		if !p.eat(':') {
			return nil
		}
		p.skipSpace()
		value, ok := p.str()
		if !ok {
			return nil
		}
		out[key] = value
		p.skipSpace()
		if !p.eat(',') {
			p.skipSpace()
			if p.eat('}') {
				return out
			}
			return nil
		}
	}
}

// literalParser reads Python string literals as repr() writes them.
type literalParser struct{ s string }

func (p *literalParser) skipSpace() { p.s = strings.TrimLeft(p.s, " \t\r\n") }

func (p *literalParser) eat(c byte) bool {
	if p.s != "" && p.s[0] == c {
		p.s = p.s[1:]
		return true
	}
	return false
}

// str reads a '...' or "..." literal with the escapes repr() writes for
// paths: \\, \', \", \n, \r, \t; other escapes are kept as written.
func (p *literalParser) str() (string, bool) {
	if p.s == "" || (p.s[0] != '\'' && p.s[0] != '"') {
		return "", false
	}
	quote := p.s[0]
	var b strings.Builder
	for i := 1; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == quote:
			p.s = p.s[i+1:]
			return b.String(), true
		case c == '\n':
			return "", false
		case c == '\\' && i+1 < len(p.s):
			i++
			switch e := p.s[i]; e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
