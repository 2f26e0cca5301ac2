package reqfile

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// logicalLine is a line after continuations are joined, comments removed,
// whitespace stripped and variables expanded.
type logicalLine struct {
	number int // 1-based number of its first physical line
	text   string
}

// logicalLines turns a file's content into its non-empty logical lines,
// as pip's preprocess does: splitlines, join_lines, ignore_comments,
// expand_env_variables.
func logicalLines(content string, getenv func(string) string) []logicalLine {
	var out []logicalLine
	for _, l := range joinContinuations(splitLines(content)) {
		text := strings.TrimFunc(stripComment(l.text), isPySpace)
		if text == "" {
			continue
		}
		out = append(out, logicalLine{l.number, expandVariables(text, getenv)})
	}
	return out
}

// splitLines splits s at every line boundary Python's str.splitlines
// knows: \n, \r, \r\n, \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029.
func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			start = i + size
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				size = 2
			}
			start = i + size
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// isCommentLine reports whether a physical line is a comment: "#" after
// optional whitespace (pip's COMMENT_RE.match).
func isCommentLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, isPySpace), "#")
}

// joinContinuations joins lines ending in a backslash with the next line,
// as pip's join_lines does: a comment line is never continued and ends a
// continuation; every leading and trailing backslash of a continued line is
// dropped; a joined line keeps the number of its first line.
func joinContinuations(lines []string) []logicalLine {
	var out []logicalLine
	var pending []string
	first := 0
	for i, line := range lines {
		number := i + 1
		comment := isCommentLine(line)
		if !strings.HasSuffix(line, `\`) || comment {
			if comment {
				line = " " + line
			}
			if pending != nil {
				out = append(out, logicalLine{first, strings.Join(append(pending, line), "")})
				pending = nil
			} else {
				out = append(out, logicalLine{number, line})
			}
			continue
		}
		if pending == nil {
			first = number
			pending = []string{}
		}
		pending = append(pending, strings.Trim(line, `\`))
	}
	if pending != nil {
		out = append(out, logicalLine{first, strings.Join(pending, "")})
	}
	return out
}

// stripComment cuts line at the first "#" that starts the line or follows
// whitespace; a "#" inside a word (a URL fragment) is kept.
func stripComment(line string) string {
	prevSpace := true
	for i, r := range line {
		if r == '#' && prevSpace {
			return line[:i]
		}
		prevSpace = isPySpace(r)
	}
	return line
}

// variableRef matches ${NAME} with NAME made of A-Z, 0-9 and "_", the only
// form pip expands.
var variableRef = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// expandVariables replaces ${NAME} references by their values, exactly as
// pip does: each reference found in the line is replaced everywhere in the
// line, in order; unset and empty variables are left as written.
func expandVariables(line string, getenv func(string) string) string {
	if getenv == nil {
		return line
	}
	for _, m := range variableRef.FindAllStringSubmatch(line, -1) {
		if value := getenv(m[1]); value != "" {
			line = strings.ReplaceAll(line, m[0], value)
		}
	}
	return line
}

// isPySpace reports whether r is whitespace for Python's str.isspace, \s
// in str regular expressions and str.strip.
func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= 0x1f, r == ' ', r == 0x85, r == 0xa0,
		r == 0x1680, r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029,
		r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}
