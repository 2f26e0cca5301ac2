package testindex

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// apiVersion is the simple API version served (PEP 700 adds versions,
// size and upload-time to 1.0).
const apiVersion = "1.1"

// jsonMeta is the "meta" object of PEP 691 responses.
type jsonMeta struct {
	APIVersion string `json:"api-version"`
}

// jsonFile is one entry of "files" in a PEP 691 project response.
type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   string            `json:"requires-python,omitempty"`
	CoreMetadata     any               `json:"core-metadata"`      // false or {"sha256": …} (PEP 714)
	DistInfoMetadata any               `json:"dist-info-metadata"` // the PEP 658 name of the same
	Yanked           any               `json:"yanked"`             // false, true or the reason
	Size             int               `json:"size"`
	UploadTime       string            `json:"upload-time,omitempty"`
}

// rootPage lists the projects, sorted by normalised name.
func (s *Server) rootPage(contentType string) []byte {
	s.mu.Lock()
	var names []string
	display := map[string]string{}
	for key, p := range s.projects {
		names = append(names, key)
		display[key] = p.Name
	}
	s.mu.Unlock()
	sort.Strings(names)
	if contentType == typeJSON {
		type project struct {
			Name string `json:"name"`
		}
		out := struct {
			Meta     jsonMeta  `json:"meta"`
			Projects []project `json:"projects"`
		}{Meta: jsonMeta{apiVersion}, Projects: []project{}}
		for _, n := range names {
			out.Projects = append(out.Projects, project{display[n]})
		}
		return mustJSON(out)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"%s\">\n<title>Simple index</title>\n</head>\n<body>\n", apiVersion)
	for _, n := range names {
		fmt.Fprintf(&b, "<a href=\"%s/\">%s</a><br/>\n", html.EscapeString(url.PathEscape(n)), html.EscapeString(display[n]))
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}

// projectPage renders a project's files in the negotiated format.
func (s *Server) projectPage(p Project, contentType string) []byte {
	if contentType == typeJSON {
		return s.projectJSON(p)
	}
	return s.projectHTML(p)
}

func (s *Server) projectJSON(p Project) []byte {
	out := struct {
		Meta     jsonMeta   `json:"meta"`
		Name     string     `json:"name"`
		Versions []string   `json:"versions"`
		Files    []jsonFile `json:"files"`
	}{Meta: jsonMeta{apiVersion}, Name: pep503.Normalize(p.Name), Versions: []string{}, Files: []jsonFile{}}
	seen := map[string]bool{}
	for _, f := range p.Files {
		if v := f.version(); v != "" && !seen[v] {
			seen[v] = true
			out.Versions = append(out.Versions, v)
		}
		jf := jsonFile{
			Filename: f.Filename, URL: fileHref(f.Filename), Hashes: map[string]string{},
			RequiresPython: f.RequiresPython, CoreMetadata: false, DistInfoMetadata: false, Yanked: false,
			Size: len(f.Content),
		}
		if !s.opts.NoHashes {
			jf.Hashes["sha256"] = f.SHA256()
		}
		if m := s.metadataHash(f); m != "" {
			jf.CoreMetadata = map[string]string{"sha256": m}
			jf.DistInfoMetadata = jf.CoreMetadata
		}
		if f.Yanked {
			jf.Yanked = true
			if f.YankedReason != "" {
				jf.Yanked = f.YankedReason
			}
		}
		if !f.UploadTime.IsZero() {
			jf.UploadTime = f.UploadTime.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		out.Files = append(out.Files, jf)
	}
	return mustJSON(out)
}

func (s *Server) projectHTML(p Project) []byte {
	var b strings.Builder
	name := html.EscapeString(pep503.Normalize(p.Name))
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"%s\">\n<title>Links for %s</title>\n</head>\n<body>\n<h1>Links for %s</h1>\n", apiVersion, name, name)
	for _, f := range p.Files {
		href := fileHref(f.Filename)
		if !s.opts.NoHashes {
			href += "#sha256=" + f.SHA256()
		}
		fmt.Fprintf(&b, "<a href=\"%s\"", html.EscapeString(href))
		if f.RequiresPython != "" {
			fmt.Fprintf(&b, " data-requires-python=\"%s\"", html.EscapeString(f.RequiresPython))
		}
		if m := s.metadataHash(f); m != "" {
			fmt.Fprintf(&b, " data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\"", m, m)
		}
		if f.Yanked {
			fmt.Fprintf(&b, " data-yanked=\"%s\"", html.EscapeString(f.YankedReason))
		}
		fmt.Fprintf(&b, ">%s</a><br/>\n", html.EscapeString(f.Filename))
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String())
}

// metadataHash is the sha256 of the file's PEP 658 metadata, or "" when
// none is served.
func (s *Server) metadataHash(f File) string {
	if s.opts.NoMetadata {
		return ""
	}
	m := f.coreMetadata()
	if m == nil {
		return ""
	}
	sum := sha256.Sum256(m)
	return hex.EncodeToString(sum[:])
}

// fileHref is the root-relative URL of a file.
func fileHref(filename string) string {
	return "/files/" + url.PathEscape(filename)
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // the types above always marshal
	}
	return append(b, '\n')
}
