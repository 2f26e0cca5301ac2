package index

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// jsonProjectPage is a PEP 691 project page.
type jsonProjectPage struct {
	Meta *struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Name  string      `json:"name"`
	Files *[]jsonFile `json:"files"`
}

// jsonFile is one entry of "files" in a PEP 691 project page.
type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   *string           `json:"requires-python"`
	CoreMetadata     json.RawMessage   `json:"core-metadata"`
	DistInfoMetadata json.RawMessage   `json:"dist-info-metadata"`
	Yanked           json.RawMessage   `json:"yanked"`
	Size             *int64            `json:"size"`
	UploadTime       *string           `json:"upload-time"`
}

// parseJSONPage parses a PEP 691 JSON project page fetched from pageURL.
func parseJSONPage(body []byte, pageURL *url.URL) ([]File, error) {
	malformed := func(format string, args ...any) error {
		return &PageError{URL: redact.Mask(pageURL.String()), Err: fmt.Errorf("malformed PEP 691 JSON: "+format, args...)}
	}
	var doc jsonProjectPage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, malformed("%v", err)
	}
	if doc.Meta != nil {
		if err := checkAPIVersion(doc.Meta.APIVersion); err != nil {
			return nil, &PageError{URL: redact.Mask(pageURL.String()), Err: err}
		}
	}
	if doc.Files == nil {
		return nil, malformed(`no "files" list`)
	}
	files := make([]File, 0, len(*doc.Files))
	for i, jf := range *doc.Files {
		f, ok, err := jf.file(pageURL)
		if err != nil {
			return nil, malformed("files[%d] (%q): %v", i, jf.Filename, err)
		}
		if ok {
			files = append(files, f)
		}
	}
	return files, nil
}

// file converts an entry; ok is false for links the page may not make.
func (jf *jsonFile) file(pageURL *url.URL) (File, bool, error) {
	if jf.Filename == "" {
		return File{}, false, errors.New(`no "filename"`)
	}
	if jf.URL == "" {
		return File{}, false, errors.New(`no "url"`)
	}
	u, _, fragmentHashes, ok, err := resolveLink(pageURL, pageURL, jf.URL)
	if err != nil || !ok {
		return File{}, false, err
	}
	f := File{
		Filename: jf.Filename,
		URL:      u.String(),
		Hashes:   mergeHashes(normaliseHashes(jf.Hashes), fragmentHashes),
	}
	if jf.RequiresPython != nil {
		f.RequiresPython = *jf.RequiresPython
	}
	metadata := jf.CoreMetadata
	if isAbsent(metadata) {
		metadata = jf.DistInfoMetadata // the PEP 658 name, before PEP 714
	}
	if f.CoreMetadata, f.CoreMetadataHashes, err = parseJSONMetadataKey(metadata); err != nil {
		return File{}, false, err
	}
	if f.Yanked, f.YankedReason, err = parseJSONYanked(jf.Yanked); err != nil {
		return File{}, false, err
	}
	if jf.Size != nil {
		if *jf.Size < 0 {
			return File{}, false, fmt.Errorf(`negative "size" %d`, *jf.Size)
		}
		f.Size = *jf.Size
	}
	if jf.UploadTime != nil {
		if f.UploadTime, err = time.Parse(time.RFC3339Nano, *jf.UploadTime); err != nil {
			return File{}, false, fmt.Errorf(`"upload-time" %q is not an ISO 8601 time such as 2024-01-31T12:00:00.123Z`, *jf.UploadTime)
		}
	}
	return f, true, nil
}

func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// parseJSONMetadataKey parses "core-metadata": a boolean, or a mapping of
// hash names to digests meaning true.
func parseJSONMetadataKey(raw json.RawMessage) (bool, map[string]string, error) {
	if isAbsent(raw) {
		return false, nil, nil
	}
	var available bool
	if err := json.Unmarshal(raw, &available); err == nil {
		return available, nil, nil
	}
	var hashes map[string]string
	if err := json.Unmarshal(raw, &hashes); err != nil {
		return false, nil, fmt.Errorf(`"core-metadata" must be a boolean or a mapping of hash names to digests, not %s`, truncate(raw))
	}
	return true, normaliseHashes(hashes), nil
}

// parseJSONYanked parses "yanked": a boolean, or a string giving the
// reason (which means yanked, even when empty).
func parseJSONYanked(raw json.RawMessage) (bool, string, error) {
	if isAbsent(raw) {
		return false, "", nil
	}
	var yanked bool
	if err := json.Unmarshal(raw, &yanked); err == nil {
		return yanked, "", nil
	}
	var reason string
	if err := json.Unmarshal(raw, &reason); err != nil {
		return false, "", fmt.Errorf(`"yanked" must be a boolean or a string, not %s`, truncate(raw))
	}
	return true, reason, nil
}

// truncate shortens a JSON value for an error message.
func truncate(raw json.RawMessage) string {
	const limit = 40
	if len(raw) > limit {
		return string(raw[:limit]) + "..."
	}
	return string(raw)
}
