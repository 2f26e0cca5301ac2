package index

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// suggestTimeout bounds the search for near names: it only improves an
// error message.
const suggestTimeout = 10 * time.Second

// maxSuggestions is the most near names an error suggests.
const maxSuggestions = 3

// suggest returns the project names of the indexes' root listings closest
// to name. Listings larger than the client's limit (PyPI's is tens of
// megabytes) are not read unless cached; failures only mean no
// suggestions.
func (c *Client) suggest(ctx context.Context, name string) []string {
	ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
	defer cancel()
	type candidate struct {
		name     string
		distance int
	}
	var candidates []candidate
	seen := make(map[string]bool)
	limit := maxDistance(name)
	for _, loc := range c.indexes {
		p, err := c.getPage(ctx, loc.url, loc.display, c.suggestMax)
		if err != nil {
			c.log.Debug("no suggestions from index", "index", loc.display, "error", err.Error())
			continue
		}
		for _, project := range projectList(p) {
			normalised := pep503.Normalize(project)
			if seen[normalised] || normalised == name {
				continue
			}
			seen[normalised] = true
			if d := editDistance(name, normalised, limit); d <= limit {
				candidates = append(candidates, candidate{normalised, d})
			}
		}
	}
	slices.SortFunc(candidates, func(a, b candidate) int {
		if a.distance != b.distance {
			return a.distance - b.distance
		}
		return strings.Compare(a.name, b.name)
	})
	var names []string
	for _, candidate := range candidates[:min(len(candidates), maxSuggestions)] {
		names = append(names, candidate.name)
	}
	return names
}

// maxDistance is how many edits from name a suggestion may be.
func maxDistance(name string) int {
	switch {
	case len(name) <= 4:
		return 1
	case len(name) <= 8:
		return 2
	default:
		return 3
	}
}

// projectList returns the project names of an index's root page: the
// "projects" of PEP 691 JSON, or the anchor texts of PEP 503 HTML.
func projectList(p *page) []string {
	mediaType, _, _ := mime.ParseMediaType(p.contentType)
	if strings.HasSuffix(mediaType, "+json") {
		var doc struct {
			Projects []struct {
				Name string `json:"name"`
			} `json:"projects"`
		}
		if json.Unmarshal(p.body, &doc) != nil {
			return nil
		}
		names := make([]string, 0, len(doc.Projects))
		for _, project := range doc.Projects {
			names = append(names, project.Name)
		}
		return names
	}
	var (
		names  []string
		inLink bool
		text   strings.Builder
	)
	z := html.NewTokenizer(bytes.NewReader(p.body))
	for {
		switch z.Next() {
		case html.ErrorToken: // io.EOF, or a malformed page: keep what was read
			return names
		case html.StartTagToken:
			if name, _ := z.TagName(); string(name) == "a" {
				inLink = true
				text.Reset()
			}
		case html.TextToken:
			if inLink {
				text.Write(z.Text())
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "a" && inLink {
				inLink = false
				if project := strings.TrimSpace(text.String()); pep503.Valid(project) {
					names = append(names, project)
				}
			}
		}
	}
}

// editDistance returns the Levenshtein distance of a and b, or limit+1
// as soon as it must exceed limit.
func editDistance(a, b string, limit int) int {
	if diff := len(a) - len(b); diff > limit || -diff > limit {
		return limit + 1
	}
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		rowMin := current[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
			rowMin = min(rowMin, current[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
