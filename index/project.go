package index

import (
	"context"
	"fmt"
	"sync"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// sourceFiles is what one index or find-links location offers.
type sourceFiles struct {
	files []File
	found bool
	err   error
}

// Project returns the files that the indexes and find-links locations
// offer for the project name (in any spelling). It asks every index, at
// PEP 503 URL <index>/<normalised name>/, and every find-links location at
// once, and keeps the files of all (as pip does), in index order, then
// find-links order, each URL once. It fails with a *NotFoundError when no
// index knows the project and no find-links location has a file of it, and
// with the first error (in index order) when a location could not be read:
// a missing index is no reason to pick files from another.
func (c *Client) Project(ctx context.Context, name string) (*Project, error) {
	if !pep503.Valid(name) {
		return nil, fmt.Errorf("%q is not a valid project name: names are ASCII letters, digits, and \".\", \"_\", \"-\" inside", name)
	}
	normalised := pep503.Normalize(name)
	results := make([]sourceFiles, len(c.indexes)+len(c.findLinks))
	var wg sync.WaitGroup
	for i, loc := range c.indexes {
		wg.Go(func() { results[i] = c.indexFiles(ctx, loc, normalised) })
	}
	for i, loc := range c.findLinks {
		wg.Go(func() { results[len(c.indexes)+i] = c.findLinksFiles(ctx, loc, normalised) })
	}
	wg.Wait()

	project := &Project{Name: normalised}
	found := false
	seen := make(map[string]int) // URL → position in project.Files
	for _, result := range results {
		if result.err != nil {
			return nil, result.err
		}
		found = found || result.found
		for _, f := range result.files {
			if at, ok := seen[f.URL]; ok {
				project.Files[at].Hashes = mergeHashes(project.Files[at].Hashes, f.Hashes)
				continue
			}
			seen[f.URL] = len(project.Files)
			project.Files = append(project.Files, f)
		}
	}
	if !found {
		searched := make([]string, 0, len(results))
		for _, loc := range c.locations() {
			searched = append(searched, loc.display)
		}
		return nil, &NotFoundError{Project: normalised, Indexes: searched, Suggestions: c.suggest(ctx, normalised)}
	}
	c.log.Debug("project", "name", normalised, "files", len(project.Files))
	return project, nil
}

// indexFiles fetches and parses the project page of one index; a 404 means
// the index does not know the project.
func (c *Client) indexFiles(ctx context.Context, loc *location, name string) sourceFiles {
	pageURL := loc.url.JoinPath(name)
	pageURL.Path += "/"
	if pageURL.RawPath != "" {
		pageURL.RawPath += "/"
	}
	p, err := c.getPage(ctx, pageURL, loc.display, maxPageSize)
	if isNotFound(err) {
		c.log.Debug("project not on index", "project", name, "index", loc.display)
		return sourceFiles{}
	}
	if err != nil {
		return sourceFiles{err: fmt.Errorf("fetching project %q from %s: %w", name, loc.display, err)}
	}
	files, err := parsePage(p)
	if err != nil {
		return sourceFiles{err: fmt.Errorf("project %q on %s: %w", name, loc.display, err)}
	}
	for i := range files {
		files[i].Index = redact.Strip(loc.display)
	}
	return sourceFiles{files: files, found: true}
}
