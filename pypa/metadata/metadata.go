package metadata

import (
	"fmt"
	"slices"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// Metadata is the core metadata of a distribution. String fields are empty
// and list fields nil when the field is absent (or unparsable, see
// Unparsed).
type Metadata struct {
	MetadataVersion string // as written, not validated (e.g. "2.1")
	Name            string // as written; valid (see Parse)
	Version         string // as written; a valid PEP 440 version
	// ParsedVersion is Version parsed.
	ParsedVersion pep440.Version

	Summary                string
	Description            string // the Description field or the message body
	DescriptionContentType string
	Keywords               []string // the Keywords field split at commas
	HomePage               string
	DownloadURL            string
	Author                 string
	AuthorEmail            string
	Maintainer             string
	MaintainerEmail        string
	License                string
	LicenseExpression      string // as written, not validated
	LicenseFiles           []string
	Classifiers            []string
	Platforms              []string
	SupportedPlatforms     []string
	ProjectURLs            []ProjectURL

	RequiresDist     []pep508.Requirement
	RequiresPython   pep440.SpecifierSet // empty when absent
	RequiresExternal []string            // not validated (they need not be PEP 440)
	// ProvidesExtra holds the extras normalised (PEP 685), in file order.
	ProvidesExtra    []string
	ProvidesDist     []string
	ObsoletesDist    []string
	Requires         []string // deprecated Metadata 1.1 field
	Provides         []string // deprecated Metadata 1.1 field
	Obsoletes        []string // deprecated Metadata 1.1 field
	ImportNames      []string
	ImportNamespaces []string
	// Dynamic lists the fields (lower case) whose value an sdist's build
	// may change (PEP 643).
	Dynamic []string

	// Unparsed holds, by lower-case field name, the values packaging's
	// parse_email could not store: unknown fields, single-use fields given
	// more than once, fields with bytes that are not UTF-8 (decoded as
	// Latin-1) and a Description given both as a field and as the body.
	Unparsed map[string][]string
}

// ProjectURL is one Project-URL field: "label, url".
type ProjectURL struct {
	Label string
	URL   string
}

// Parse reads core metadata in the RFC 822 header format of METADATA and
// PKG-INFO files. It is as tolerant as packaging's
// Metadata.from_email(data, validate=False) for fields a resolver does not
// interpret (unknown, repeated or badly encoded fields go to Unparsed,
// Metadata-Version and License-Expression are not checked), and as strict
// as packaging is when those fields are read:
//
//   - Name must be present once and be a valid project name;
//   - Version must be present once and be a valid PEP 440 version;
//   - every Requires-Dist must be a valid PEP 508 requirement;
//   - Requires-Python must be a valid specifier set;
//   - Dynamic must not name Name, Version or Metadata-Version.
//
// Otherwise it returns an error naming the field, its line and, when
// known, the distribution's name and version. Two tolerances go beyond
// packaging's: Provides-Extra names that are not valid names are kept
// (normalised) rather than rejected, and Dynamic may name unknown fields.
//
// Not supported: MIME structure (a multipart Content-Type or a
// Content-Transfer-Encoding is not decoded, where Python's email package
// would); no real METADATA file uses one.
func Parse(data []byte) (*Metadata, error) {
	raw := parseRaw(data)
	m := &Metadata{Unparsed: raw.unparsed}
	str := func(field string) string { return raw.single[field].text }
	list := func(field string) []string {
		vs, ok := raw.multiple[field]
		if !ok {
			return nil
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.text
		}
		return out
	}

	m.MetadataVersion = str("metadata-version")
	m.Summary = str("summary")
	m.Description = str("description")
	m.DescriptionContentType = str("description-content-type")
	m.Keywords = raw.keywords
	m.HomePage = str("home-page")
	m.DownloadURL = str("download-url")
	m.Author = str("author")
	m.AuthorEmail = str("author-email")
	m.Maintainer = str("maintainer")
	m.MaintainerEmail = str("maintainer-email")
	m.License = str("license")
	m.LicenseExpression = str("license-expression")
	m.LicenseFiles = list("license-file")
	m.Classifiers = list("classifier")
	m.Platforms = list("platform")
	m.SupportedPlatforms = list("supported-platform")
	m.ProjectURLs = raw.projectURLs
	m.RequiresExternal = list("requires-external")
	m.ProvidesDist = list("provides-dist")
	m.ObsoletesDist = list("obsoletes-dist")
	m.Requires = list("requires")
	m.Provides = list("provides")
	m.Obsoletes = list("obsoletes")
	m.ImportNames = list("import-name")
	m.ImportNamespaces = list("import-namespace")

	if err := m.setNameAndVersion(raw); err != nil {
		return nil, err
	}
	for _, v := range raw.multiple["requires-dist"] {
		r, err := pep508.ParseRequirement(v.text)
		if err != nil {
			return nil, m.errorf(err, "Requires-Dist", v.line, "invalid requirement %q", v.text)
		}
		m.RequiresDist = append(m.RequiresDist, r)
	}
	if v, ok := raw.single["requires-python"]; ok {
		spec, err := pep440.ParseSpecifierSet(v.text)
		if err != nil {
			return nil, m.errorf(err, "Requires-Python", v.line, "invalid specifier set %q", v.text)
		}
		m.RequiresPython = spec
	}
	for _, v := range raw.multiple["provides-extra"] {
		m.ProvidesExtra = append(m.ProvidesExtra, pep503.Normalize(v.text))
	}
	for _, v := range raw.multiple["dynamic"] {
		field := strings.ToLower(v.text)
		if field == "name" || field == "version" || field == "metadata-version" {
			return nil, m.errorf(nil, "Dynamic", v.line, "%s cannot be dynamic", v.text)
		}
		m.Dynamic = append(m.Dynamic, field)
	}
	return m, nil
}

// setNameAndVersion checks and sets the two required fields.
func (m *Metadata) setNameAndVersion(raw rawMetadata) error {
	name, ok := raw.single["name"]
	switch {
	case !ok:
		return m.errorf(nil, "Name", 0, "%s", missingReason(raw, "name"))
	case !pep503.Valid(name.text):
		return m.errorf(nil, "Name", name.line, "invalid project name %q", name.text)
	}
	m.Name = name.text
	version, ok := raw.single["version"]
	if !ok {
		return m.errorf(nil, "Version", 0, "%s", missingReason(raw, "version"))
	}
	v, err := pep440.Parse(version.text)
	if err != nil {
		return m.errorf(err, "Version", version.line, "invalid version %q", version.text)
	}
	m.Version, m.ParsedVersion = version.text, v
	return nil
}

// missingReason explains why a required field has no usable value.
func missingReason(raw rawMetadata, field string) string {
	values, ok := raw.unparsed[field]
	switch {
	case !ok:
		return "the field is missing"
	case len(values) > 1:
		return fmt.Sprintf("the field appears %d times", len(values))
	default:
		return "the value is not UTF-8"
	}
}

// IsStatic reports whether an sdist's field (any case, e.g.
// "Requires-Dist") is guaranteed to be the same in the wheels built from
// it: true when Metadata-Version is 2.2 or later (PEP 643) and the field is
// not listed in Dynamic. For older metadata nothing is guaranteed. (In a
// wheel's METADATA every field is final; IsStatic is for PKG-INFO.)
func (m *Metadata) IsStatic(field string) bool {
	mv, err := pep440.Parse(m.MetadataVersion)
	if err != nil || mv.Compare(pep440.MustParse("2.2")) < 0 {
		return false
	}
	return !slices.Contains(m.Dynamic, strings.ToLower(field))
}
