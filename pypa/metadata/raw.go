package metadata

import (
	"strings"
	"unicode/utf8"
)

// fieldKind says how packaging stores a known field.
type fieldKind int

const (
	singleField   fieldKind = iota // one string; repeated means unparsable
	multipleField                  // a list of every occurrence
	keywordsField                  // one comma-separated string, stored as a list
	urlsField                      // "label, url" occurrences, stored as a map
)

// knownFields maps every core metadata field name (lower case) to its kind.
var knownFields = map[string]fieldKind{
	"author": singleField, "author-email": singleField, "description": singleField,
	"description-content-type": singleField, "download-url": singleField, "home-page": singleField,
	"license": singleField, "license-expression": singleField, "maintainer": singleField,
	"maintainer-email": singleField, "metadata-version": singleField, "name": singleField,
	"requires-python": singleField, "summary": singleField, "version": singleField,

	"classifier": multipleField, "dynamic": multipleField, "license-file": multipleField,
	"obsoletes": multipleField, "obsoletes-dist": multipleField, "platform": multipleField,
	"provides": multipleField, "provides-dist": multipleField, "provides-extra": multipleField,
	"requires": multipleField, "requires-dist": multipleField, "requires-external": multipleField,
	"supported-platform": multipleField, "import-name": multipleField, "import-namespace": multipleField,

	"keywords":    keywordsField,
	"project-url": urlsField,
}

// rawValue is one occurrence of a field with the line it starts on.
type rawValue struct {
	text string
	line int
}

// rawMetadata is the result of the tolerant first pass, packaging's
// parse_email: recognised fields by lower-case name, and everything it
// could not store.
type rawMetadata struct {
	single      map[string]rawValue
	multiple    map[string][]rawValue
	keywords    []string
	projectURLs []ProjectURL
	unparsed    map[string][]string
}

// parseRaw sorts the fields of an email message the way packaging's
// parse_email does: a field with bytes that are not UTF-8 (in any
// occurrence), an unknown field, a single-use field given several times,
// keywords given several times and project URLs with a repeated label go
// to unparsed (undecodable text decoded as Latin-1); the body becomes the
// description unless a Description field is present too, in which case
// both are unparsable.
func parseRaw(data []byte) rawMetadata {
	headers, body := parseEmail(data)
	raw := rawMetadata{
		single:   map[string]rawValue{},
		multiple: map[string][]rawValue{},
		unparsed: map[string][]string{},
	}
	var order []string
	byName := map[string][]header{}
	for _, h := range headers {
		name := strings.ToLower(h.name)
		if _, seen := byName[name]; !seen {
			order = append(order, name)
		}
		byName[name] = append(byName[name], h)
	}
	for _, name := range order {
		hs := byName[name]
		values := make([]rawValue, len(hs))
		texts := make([]string, len(hs))
		valid := true
		for i, h := range hs {
			values[i] = rawValue{text: h.value, line: h.line}
			texts[i] = h.value
			if !utf8.ValidString(h.value) {
				valid = false
			}
		}
		kind, known := knownFields[name]
		switch {
		case !valid:
			for i := range texts {
				if !utf8.ValidString(texts[i]) {
					texts[i] = latin1(texts[i])
				}
			}
			raw.unparsed[name] = texts
		case !known:
			raw.unparsed[name] = texts
		case kind == singleField && len(values) == 1:
			raw.single[name] = values[0]
		case kind == multipleField:
			if name == "import-name" && len(texts) == 1 && texts[0] == "" {
				values = []rawValue{}
			}
			raw.multiple[name] = values
		case kind == keywordsField && len(values) == 1:
			raw.keywords = splitKeywords(texts[0])
		case kind == urlsField:
			urls, ok := parseProjectURLs(texts)
			if ok {
				raw.projectURLs = urls
			} else {
				raw.unparsed[name] = texts
			}
		default:
			raw.unparsed[name] = texts
		}
	}
	switch {
	case !utf8.Valid(body):
		raw.unparsed["description"] = append(raw.unparsed["description"], latin1(string(body)))
	case len(body) == 0:
	case hasKey(raw.single, "description"):
		d := raw.single["description"]
		delete(raw.single, "description")
		raw.unparsed["description"] = append(raw.unparsed["description"], d.text, string(body))
	case raw.unparsed["description"] != nil:
		raw.unparsed["description"] = append(raw.unparsed["description"], string(body))
	default:
		raw.single["description"] = rawValue{text: string(body), line: 0}
	}
	return raw
}

// latin1 decodes s byte by byte as ISO 8859-1, as packaging does for
// fields that are not UTF-8.
func latin1(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// splitKeywords splits the Keywords field at commas and trims each
// keyword of whitespace.
func splitKeywords(s string) []string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimFunc(p, isPySpace)
	}
	return parts
}

// parseProjectURLs reads "label, url" values; ok is false when a label is
// repeated. A value without a comma is a label with an empty URL.
func parseProjectURLs(values []string) (urls []ProjectURL, ok bool) {
	seen := map[string]bool{}
	for _, v := range values {
		label, url, _ := strings.Cut(v, ",")
		label, url = strings.TrimFunc(label, isPySpace), strings.TrimFunc(url, isPySpace)
		if seen[label] {
			return nil, false
		}
		seen[label] = true
		urls = append(urls, ProjectURL{Label: label, URL: url})
	}
	return urls, true
}

// isPySpace reports whether r is whitespace for Python's str.strip.
func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= 0x1f, r == ' ', r == 0x85, r == 0xa0,
		r == 0x1680, r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029,
		r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
