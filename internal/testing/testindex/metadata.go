package testindex

import (
	"fmt"
	"strconv"
	"strings"
)

// coreMetadata is the content of a METADATA or PKG-INFO file.
type coreMetadata struct {
	MetadataVersion string
	Name, Version   string
	Summary         string
	RequiresPython  string
	RequiresDist    []string
	ProvidesExtra   []string
	Dynamic         []string // only written for Metadata-Version 2.2+
}

// render writes the metadata in the email-header format of the core
// metadata spec, leaving out the fields its Metadata-Version lacks and
// the fields marked Dynamic.
func (m coreMetadata) render() []byte {
	major, minor := metadataVersion(m.MetadataVersion)
	atLeast := func(ma, mi int) bool { return major > ma || major == ma && minor >= mi }
	dynamic := map[string]bool{}
	var b strings.Builder
	field := func(name, value string) {
		if value != "" && !dynamic[strings.ToLower(name)] {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	field("Metadata-Version", m.MetadataVersion)
	field("Name", m.Name)
	field("Version", m.Version)
	if atLeast(2, 2) {
		for _, d := range m.Dynamic {
			field("Dynamic", d)
		}
		for _, d := range m.Dynamic {
			dynamic[strings.ToLower(d)] = true
		}
	}
	field("Summary", m.Summary)
	if atLeast(1, 2) {
		field("Requires-Python", m.RequiresPython)
	}
	if atLeast(2, 1) {
		for _, e := range m.ProvidesExtra {
			field("Provides-Extra", e)
		}
	}
	if atLeast(1, 2) {
		for _, r := range m.RequiresDist {
			field("Requires-Dist", r)
		}
	}
	return []byte(b.String())
}

// metadataVersion splits "2.1" into 2 and 1; malformed parts are 0.
func metadataVersion(v string) (major, minor int) {
	a, b, _ := strings.Cut(v, ".")
	major, _ = strconv.Atoi(a)
	minor, _ = strconv.Atoi(b)
	return major, minor
}

// checkHeaderValues rejects values that would break the header format.
func checkHeaderValues(what string, values ...string) error {
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("%s %q contains a line break", what, v)
		}
	}
	return nil
}
