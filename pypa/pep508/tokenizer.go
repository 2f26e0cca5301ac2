package pep508

import (
	"strings"
	"unicode/utf8"
)

// tokenKind names the lexical categories of the PEP 508 grammar. The
// tokenizer is context-sensitive: the parser asks whether a given kind of
// token starts at the current position, as packaging's tokenizer does.
type tokenKind int

const (
	tokLeftParen tokenKind = iota
	tokRightParen
	tokLeftBracket
	tokRightBracket
	tokSemicolon
	tokComma
	tokQuotedString
	tokOp
	tokBoolOp
	tokIn
	tokNot
	tokVariable
	tokSpecifier
	tokAt
	tokURL
	tokIdentifier
	tokVersionPrefixTrail
	tokLocalLabelTrail
	tokWhitespace
	tokEnd
)

// token is a piece of the input recognised as one tokenKind.
type token struct {
	kind tokenKind
	text string
	pos  int // byte offset of text in the input
}

// tokenizer walks an input string, one token at a time.
type tokenizer struct {
	src string
	pos int
}

// match returns the length of the token of the given kind starting at the
// current position, or -1 when there is none.
func (t *tokenizer) match(kind tokenKind) int {
	rest := t.src[t.pos:]
	switch kind {
	case tokLeftParen:
		return prefixLen(rest, "(")
	case tokRightParen:
		return prefixLen(rest, ")")
	case tokLeftBracket:
		return prefixLen(rest, "[")
	case tokRightBracket:
		return prefixLen(rest, "]")
	case tokSemicolon:
		return prefixLen(rest, ";")
	case tokComma:
		return prefixLen(rest, ",")
	case tokAt:
		return prefixLen(rest, "@")
	case tokVersionPrefixTrail:
		return prefixLen(rest, ".*")
	case tokQuotedString:
		return quotedStringLen(rest)
	case tokOp:
		for _, op := range markerOps {
			if strings.HasPrefix(rest, op) {
				return len(op)
			}
		}
		return -1
	case tokBoolOp:
		if n := t.wordLen("or"); n > 0 {
			return n
		}
		return t.wordLen("and")
	case tokIn:
		return t.wordLen("in")
	case tokNot:
		return t.wordLen("not")
	case tokVariable:
		for _, v := range variableSpellings {
			if n := t.wordLen(v); n > 0 {
				return n
			}
		}
		return -1
	case tokSpecifier:
		return specifierTokenLen(rest)
	case tokURL:
		n := strings.IndexAny(rest, " \t")
		if n < 0 {
			n = len(rest)
		}
		if n == 0 {
			return -1
		}
		return n
	case tokIdentifier:
		return t.identifierLen()
	case tokLocalLabelTrail:
		return localLabelTrailLen(rest)
	case tokWhitespace:
		n := len(rest) - len(strings.TrimLeft(rest, " \t"))
		if n == 0 {
			return -1
		}
		return n
	case tokEnd:
		if rest == "" {
			return 0
		}
		return -1
	}
	panic("pep508: unknown token kind")
}

// check reports whether a token of the given kind starts at the current
// position.
func (t *tokenizer) check(kind tokenKind) bool {
	return t.match(kind) >= 0
}

// read consumes the token of the given kind at the current position; the
// caller has checked that there is one.
func (t *tokenizer) read(kind tokenKind) token {
	n := t.match(kind)
	if n < 0 {
		panic("pep508: read without a successful check")
	}
	tok := token{kind: kind, text: t.src[t.pos : t.pos+n], pos: t.pos}
	t.pos += n
	return tok
}

// consume skips a token of the given kind if there is one.
func (t *tokenizer) consume(kind tokenKind) {
	if t.check(kind) {
		t.read(kind)
	}
}

// accept reads a token of the given kind if there is one.
func (t *tokenizer) accept(kind tokenKind) (token, bool) {
	if !t.check(kind) {
		return token{}, false
	}
	return t.read(kind), true
}

// expect reads a token of the given kind or fails with reason at the
// current position.
func (t *tokenizer) expect(kind tokenKind, reason string) (token, error) {
	if !t.check(kind) {
		return token{}, t.errorAt(t.pos, t.pos, reason)
	}
	return t.read(kind), nil
}

// errorAt builds a SyntaxError for the bytes [start, end) of the input.
func (t *tokenizer) errorAt(start, end int, reason string) *SyntaxError {
	return &SyntaxError{Input: t.src, Start: start, End: end, Reason: reason}
}

// wordBoundary reports whether Python's \b holds at byte offset i.
func (t *tokenizer) wordBoundary(i int) bool {
	before, after := false, false
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(t.src[:i])
		before = isPyWord(r)
	}
	if i < len(t.src) {
		r, _ := utf8.DecodeRuneInString(t.src[i:])
		after = isPyWord(r)
	}
	return before != after
}

// wordLen returns len(word) when word starts at the current position with a
// word boundary on both sides (the regular expression \bword\b), else -1.
func (t *tokenizer) wordLen(word string) int {
	if !strings.HasPrefix(t.src[t.pos:], word) || !t.wordBoundary(t.pos) || !t.wordBoundary(t.pos+len(word)) {
		return -1
	}
	return len(word)
}

// identifierLen matches \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b at the current
// position: the longest run of name characters that ends on a word
// boundary, as a backtracking regular expression engine finds it.
func (t *tokenizer) identifierLen() int {
	rest := t.src[t.pos:]
	if rest == "" || !isASCIIAlnum(rest[0]) || !t.wordBoundary(t.pos) {
		return -1
	}
	n := 1
	for n < len(rest) && (isASCIIAlnum(rest[n]) || rest[n] == '.' || rest[n] == '_' || rest[n] == '-') {
		n++
	}
	for ; n >= 1; n-- {
		if t.wordBoundary(t.pos + n) {
			return n
		}
	}
	return -1
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isASCIILowerAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func prefixLen(s, prefix string) int {
	if strings.HasPrefix(s, prefix) {
		return len(prefix)
	}
	return -1
}

// quotedStringLen matches '[^']*' or "[^"]*".
func quotedStringLen(s string) int {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return -1
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return -1
	}
	return end + 2
}

// localLabelTrailLen matches \+[a-z0-9]+(?:[-_.][a-z0-9]+)* (case-sensitive).
func localLabelTrailLen(s string) int {
	if len(s) < 2 || s[0] != '+' || !isASCIILowerAlnum(s[1]) {
		return -1
	}
	n := 2
	for {
		for n < len(s) && isASCIILowerAlnum(s[n]) {
			n++
		}
		if n+1 < len(s) && strings.IndexByte("-_.", s[n]) >= 0 && isASCIILowerAlnum(s[n+1]) {
			n++
			continue
		}
		return n
	}
}

// markerOps are the comparison operators, longest first so that "===" is
// not read as "==".
var markerOps = []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"}

// variableSpellings are the marker variable names the tokenizer accepts,
// including packaging's legacy dotted aliases, in the order packaging's
// regular expression tries them.
var variableSpellings = []string{
	"python_version",
	"python_full_version",
	"os.name", "os_name",
	"sys.platform", "sys_platform",
	"platform_release", "platform_system",
	"platform.version", "platform_version",
	"platform.machine", "platform_machine",
	"platform.python_implementation", "platform_python_implementation",
	"python_implementation",
	"implementation_name", "implementation_version",
	"extras", "extra",
	"dependency_groups",
}
