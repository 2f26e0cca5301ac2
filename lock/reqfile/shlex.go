package reqfile

import "errors"

// errNoClosingQuote and errNoEscapedChar are shlex's two failures.
var (
	errNoClosingQuote = errors.New("no closing quotation")
	errNoEscapedChar  = errors.New("no escaped character after the final backslash")
)

// shellSplit splits s into words as Python's shlex.split(s) does (POSIX
// mode, no comments): words are separated by space, tab, CR and LF; single
// quotes keep everything; double quotes keep everything but a backslash
// before " or \; outside quotes a backslash keeps the next character; ""
// is an empty word.
func shellSplit(s string) ([]string, error) {
	var words []string
	var word []rune
	inWord := false
	quote := rune(0)
	escaped := false
	escapedIn := rune(0) // the quote the escape appeared in, or 0
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
			if escapedIn == '"' && r != '"' && r != '\\' {
				word = append(word, '\\')
			}
			word = append(word, r)
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				word = append(word, r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped, escapedIn = true, '"'
			default:
				word = append(word, r)
			}
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			if inWord {
				words = append(words, string(word))
				word, inWord = word[:0], false
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\':
			escaped, escapedIn, inWord = true, 0, true
		default:
			word, inWord = append(word, r), true
		}
	}
	switch {
	case quote != 0:
		return nil, errNoClosingQuote
	case escaped:
		return nil, errNoEscapedChar
	}
	if inWord {
		words = append(words, string(word))
	}
	return words, nil
}
