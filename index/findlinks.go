package index

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// findLinksFiles lists the files of one find-links location that belong
// to the project: those of an HTML page (remote or local), or of a local
// directory.
func (c *Client) findLinksFiles(ctx context.Context, loc *location, name string) sourceFiles {
	var (
		files []File
		err   error
	)
	switch {
	case loc.url != nil:
		files, err = c.findLinksPage(ctx, loc)
	default:
		files, err = findLinksLocal(loc.path)
	}
	if err != nil {
		return sourceFiles{err: fmt.Errorf("find-links location %s: %w", loc.display, err)}
	}
	var kept []File
	for _, f := range files {
		if fileOfProject(f.Filename, name) {
			f.Index = redact.Strip(loc.display)
			kept = append(kept, f)
		}
	}
	return sourceFiles{files: kept, found: len(kept) > 0}
}

func (c *Client) findLinksPage(ctx context.Context, loc *location) ([]File, error) {
	p, err := c.getPage(ctx, loc.url, loc.display, maxPageSize)
	if err != nil {
		return nil, err
	}
	return parsePage(p)
}

// findLinksLocal lists a local directory, or parses a local HTML page.
func findLinksLocal(path string) ([]File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		p, err := readLocalPage(path)
		if err != nil {
			return nil, err
		}
		return parsePage(p)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, entry := range entries {
		if strings.HasPrefix(entry.Name(), ".") {
			continue
		}
		full := filepath.Join(path, entry.Name())
		info, err := os.Stat(full) // follows symbolic links
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		files = append(files, File{
			Filename: entry.Name(),
			URL:      (&url.URL{Scheme: "file", Path: filepath.ToSlash(full)}).String(),
			Size:     info.Size(),
		})
	}
	return files, nil
}

// fileOfProject reports whether a file name starts with the normalised
// project name in some spelling, followed by a version: "Foo_Bar-1.0.tar.gz"
// and "foo_bar-1.0-py3-none-any.whl" are files of foo-bar, and
// "foo_bar_baz-1.0.tar.gz" is not. The caller's file-name parser has the
// last word; this only keeps other projects' files out.
func fileOfProject(filename, name string) bool {
	rest, ok := strings.CutPrefix(pep503.Normalize(filename), name+"-")
	if !ok || rest == "" {
		return false
	}
	if rest[0] == 'v' {
		rest = rest[1:]
	}
	return rest != "" && rest[0] >= '0' && rest[0] <= '9'
}
