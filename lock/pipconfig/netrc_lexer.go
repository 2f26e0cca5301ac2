package pipconfig

// netrcLexer splits a netrc file into tokens as Python's netrc lexer
// does: whitespace separates tokens, a double-quoted token may contain
// whitespace, and a backslash escapes the next character.
type netrcLexer struct {
	data []byte
	pos  int
	line int // line of the next unread byte

	pushed     string // a keyword given back by unread
	pushedLine int
	hasPushed  bool
}

func isNetrcSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// next reads one byte, counting lines.
func (lx *netrcLexer) next() (byte, bool) {
	if lx.pos >= len(lx.data) {
		return 0, false
	}
	c := lx.data[lx.pos]
	lx.pos++
	if c == '\n' {
		lx.line++
	}
	return c, true
}

// skipSpace skips whitespace and returns false at the end of the input.
func (lx *netrcLexer) skipSpace() bool {
	for lx.pos < len(lx.data) && isNetrcSpace(lx.data[lx.pos]) {
		lx.next()
	}
	return lx.pos < len(lx.data)
}

// keyword reads a token where a keyword is expected, skipping '#'
// comments to the end of their line. It returns the token's line.
func (lx *netrcLexer) keyword() (string, int, bool) {
	if lx.hasPushed {
		lx.hasPushed = false
		return lx.pushed, lx.pushedLine, true
	}
	for {
		if !lx.skipSpace() {
			return "", lx.line, false
		}
		if lx.data[lx.pos] != '#' {
			break
		}
		for lx.pos < len(lx.data) && lx.data[lx.pos] != '\n' {
			lx.next()
		}
	}
	line := lx.line
	tok, ok := lx.token()
	return tok, line, ok
}

// value reads the token after a keyword; '#' has no special meaning here.
func (lx *netrcLexer) value() (string, bool) {
	if !lx.skipSpace() {
		return "", false
	}
	return lx.token()
}

// token reads one token at the current, non-space position.
func (lx *netrcLexer) token() (string, bool) {
	var tok []byte
	c, _ := lx.next()
	if c == '"' {
		for {
			c, ok := lx.next()
			if !ok || c == '"' {
				return string(tok), true
			}
			if c == '\\' {
				if c, ok = lx.next(); !ok {
					return string(tok), true
				}
			}
			tok = append(tok, c)
		}
	}
	for {
		if c == '\\' {
			var ok bool
			if c, ok = lx.next(); !ok {
				return string(tok), true
			}
		}
		tok = append(tok, c)
		var ok bool
		if c, ok = lx.next(); !ok || isNetrcSpace(c) {
			return string(tok), true
		}
	}
}

// unread gives a keyword back to be read again.
func (lx *netrcLexer) unread(tok string, line int) {
	lx.pushed, lx.pushedLine, lx.hasPushed = tok, line, true
}

// skipMacro skips a macdef body: the rest of the macdef line, then lines
// up to and including an empty one. It reports false when the input ends
// first, which Python's netrc rejects.
func (lx *netrcLexer) skipMacro() bool {
	// Python reads the body with readline() after the token's terminating
	// byte; when that byte was the newline the body starts on the next line.
	if lx.pos > 0 && lx.data[lx.pos-1] != '\n' {
		if !lx.skipLine() {
			return false
		}
	}
	for {
		rest := lx.data[lx.pos:]
		if len(rest) > 0 && rest[0] == '\n' || len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' {
			return lx.skipLine()
		}
		if !lx.skipLine() {
			return false
		}
	}
}

// skipLine skips to just after the next newline; false at end of input.
func (lx *netrcLexer) skipLine() bool {
	for {
		c, ok := lx.next()
		if !ok {
			return false
		}
		if c == '\n' {
			return true
		}
	}
}
