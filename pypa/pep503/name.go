// Package pep503 normalises and validates Python project names as PEP 503
// and the core-metadata spec define them.
package pep503

import (
	"regexp"
	"strings"
)

var (
	runs  = regexp.MustCompile(`[-_.]+`)
	valid = regexp.MustCompile(`(?i)^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)
)

// Normalize returns the PEP 503 normal form of a project name: lower case,
// with every run of "-", "_" and "." replaced by a single "-".
func Normalize(name string) string {
	return runs.ReplaceAllString(strings.ToLower(name), "-")
}

// Valid reports whether name is a valid project name: ASCII letters and
// digits, with ".", "_" and "-" allowed only inside.
func Valid(name string) bool {
	return valid.MatchString(name)
}
