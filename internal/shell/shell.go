// Package shell quotes words for a POSIX shell (sh, dash, bash, zsh),
// for the command lines and scripts clusterpack writes.
package shell

import "strings"

// Quote returns s as one shell word: bare when every byte is a letter,
// digit or one of "_@%+=:,./-" (the characters no shell treats
// specially, as Python's shlex.quote has them), else in single quotes,
// where every byte stands for itself; a single quote in s is written as
// a closing quote, a backslashed quote and an opening quote. The empty
// string is a pair of single quotes.
func Quote(s string) string {
	if s != "" && isSafe(s) {
		return s
	}
	return SingleQuote(s)
}

// SingleQuote returns s in single quotes whatever it holds, for scripts
// that quote every value the same way.
func SingleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join returns args as shell words (see Quote) separated by spaces.
func Join(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(Quote(a))
	}
	return b.String()
}

func isSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_@%+=:,./-", c) >= 0) {
			return false
		}
	}
	return true
}
