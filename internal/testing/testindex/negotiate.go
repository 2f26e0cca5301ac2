package testindex

import (
	"strconv"
	"strings"
)

// Content types of the simple API (PEP 691).
const (
	typeJSON       = "application/vnd.pypi.simple.v1+json"
	typeHTML       = "application/vnd.pypi.simple.v1+html"
	typeLegacyHTML = "text/html"
)

// negotiate picks the page content type for an Accept header: the
// acceptable type with the highest q. On ties a type the client named (or
// matched with "type/*") wins over one matched by "*/*"; among those JSON
// is preferred, among "*/*" matches text/html, what browsers and old pip
// expect. It returns "" when nothing offered is acceptable, and text/html
// without an Accept header.
func negotiate(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return typeLegacyHTML
	}
	offers := []string{typeJSON, typeHTML, typeLegacyHTML}
	best, bestQ, bestSpec, bestPref := "", 0.0, -1, 0
	for i, offer := range offers {
		q, spec := quality(accept, offer)
		pref := -i // JSON first
		if spec == 0 {
			pref = i // text/html first
		}
		if q > bestQ || q == bestQ && q > 0 && (spec > bestSpec || spec == bestSpec && pref > bestPref) {
			best, bestQ, bestSpec, bestPref = offer, q, spec, pref
		}
	}
	return best
}

// quality is the q an Accept header gives a content type, using the most
// specific matching range (specificity 2 for the type itself, 1 for
// "type/*", 0 for "*/*"); q is 0 when none matches.
func quality(accept, offer string) (q float64, specificity int) {
	typ, _, _ := strings.Cut(offer, "/")
	specificity = -1
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mediaRange := strings.ToLower(strings.TrimSpace(fields[0]))
		mediaRange = strings.Replace(mediaRange, ".latest+", ".v1+", 1)
		spec := -1
		switch {
		case mediaRange == offer:
			spec = 2
		case mediaRange == typ+"/*":
			spec = 1
		case mediaRange == "*/*":
			spec = 0
		}
		if spec <= specificity {
			continue
		}
		value := 1.0
		for _, param := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					value = f
				}
			}
		}
		q, specificity = value, spec
	}
	return q, specificity
}
