package venvscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// DirectURL is the content of a direct_url.json file: how a distribution
// installed from a URL, a local directory or a VCS was obtained (the
// "Direct URL Data Structure", PEP 610). Exactly one of VCS, Archive and
// Dir is set.
type DirectURL struct {
	// URL is the url field with its userinfo (user:password@) removed but
	// for an ssh user name (see redact.Strip).
	URL string
	// Editable reports dir_info.editable: the project was installed in
	// editable (development) mode from the local directory URL names.
	Editable bool
	VCS      *VCSInfo     // vcs_info: the URL is a version control repository
	Archive  *ArchiveInfo // archive_info: the URL is a wheel or source archive
	Dir      *DirInfo     // dir_info: the URL is a local directory
	// Subdirectory is the subdirectory of the archive or repository that
	// holds the project, or empty.
	Subdirectory string
}

// VCSInfo is the vcs_info of a direct_url.json.
type VCSInfo struct {
	VCS               string // "git", "hg", "bzr", "svn", ...
	CommitID          string // the exact commit or revision installed
	RequestedRevision string // the branch, tag or revision asked for, or empty
}

// ArchiveInfo is the archive_info of a direct_url.json.
type ArchiveInfo struct {
	// Hashes maps a hash algorithm (e.g. "sha256") to the hex digest of
	// the archive. The deprecated "hash" field ("sha256=<hex>") is merged
	// in when its algorithm is not in "hashes". Nil when neither is given.
	Hashes map[string]string
}

// DirInfo is the dir_info of a direct_url.json.
type DirInfo struct {
	Editable bool // installed in editable mode
}

// ParseDirectURL parses the content of a direct_url.json file as the
// specification describes and pip reads it: a JSON object with a string
// "url" and exactly one of "vcs_info", "archive_info" and "dir_info"
// (a null value counts as absent); "vcs_info" needs string "vcs" and
// "commit_id". Unknown keys are ignored. A field of the wrong type is an
// error.
//
// The userinfo of the URL is removed by redact.Strip, as for anything
// persisted: the result of this package is written into lock files and
// logs, where no credential may appear. The specification lets installers
// keep environment-variable references (${USER}) there, and those go too;
// the user name of an ssh URL (the "git" of ssh://git@host/...), which it
// also allows and which is no secret, is kept.
func ParseDirectURL(data []byte) (*DirectURL, error) {
	var top map[string]json.RawMessage
	if err := decodeJSON(data, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if top == nil {
		return nil, errors.New("not a JSON object: null")
	}
	d := &DirectURL{}
	u, ok, err := jsonString(top, "url")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New(`missing "url"`)
	}
	d.URL = redact.Strip(u)
	if d.Subdirectory, _, err = jsonString(top, "subdirectory"); err != nil {
		return nil, err
	}

	infos := 0
	if obj, ok, err := jsonObject(top, "vcs_info"); err != nil {
		return nil, err
	} else if ok {
		infos++
		if d.VCS, err = parseVCSInfo(obj); err != nil {
			return nil, err
		}
	}
	if obj, ok, err := jsonObject(top, "archive_info"); err != nil {
		return nil, err
	} else if ok {
		infos++
		if d.Archive, err = parseArchiveInfo(obj); err != nil {
			return nil, err
		}
	}
	if obj, ok, err := jsonObject(top, "dir_info"); err != nil {
		return nil, err
	} else if ok {
		infos++
		editable, _, err := jsonBool(obj, "editable")
		if err != nil {
			return nil, fmt.Errorf("dir_info: %w", err)
		}
		d.Dir = &DirInfo{Editable: editable}
		d.Editable = editable
	}
	switch {
	case infos == 0:
		return nil, errors.New(`missing one of "vcs_info", "archive_info" and "dir_info"`)
	case infos > 1:
		return nil, errors.New(`more than one of "vcs_info", "archive_info" and "dir_info"`)
	}
	return d, nil
}

func parseVCSInfo(obj map[string]json.RawMessage) (*VCSInfo, error) {
	v := &VCSInfo{}
	var ok bool
	var err error
	if v.VCS, ok, err = jsonString(obj, "vcs"); err != nil {
		return nil, fmt.Errorf("vcs_info: %w", err)
	} else if !ok {
		return nil, errors.New(`vcs_info: missing "vcs"`)
	}
	if v.CommitID, ok, err = jsonString(obj, "commit_id"); err != nil {
		return nil, fmt.Errorf("vcs_info: %w", err)
	} else if !ok {
		return nil, errors.New(`vcs_info: missing "commit_id"`)
	}
	if v.RequestedRevision, _, err = jsonString(obj, "requested_revision"); err != nil {
		return nil, fmt.Errorf("vcs_info: %w", err)
	}
	return v, nil
}

func parseArchiveInfo(obj map[string]json.RawMessage) (*ArchiveInfo, error) {
	a := &ArchiveInfo{}
	hashes, ok, err := jsonObject(obj, "hashes")
	if err != nil {
		return nil, fmt.Errorf("archive_info: %w", err)
	}
	if ok {
		a.Hashes = make(map[string]string, len(hashes))
		for algo := range hashes {
			v, _, err := jsonString(hashes, algo)
			if err != nil {
				return nil, fmt.Errorf("archive_info: hashes: %w", err)
			}
			a.Hashes[algo] = v
		}
	}
	legacy, ok, err := jsonString(obj, "hash")
	if err != nil {
		return nil, fmt.Errorf("archive_info: %w", err)
	}
	if ok {
		algo, digest, found := strings.Cut(legacy, "=")
		if !found || algo == "" || digest == "" {
			return nil, fmt.Errorf(`archive_info: "hash" %q is not <algorithm>=<digest>`, legacy)
		}
		if a.Hashes == nil {
			a.Hashes = map[string]string{}
		}
		if _, have := a.Hashes[algo]; !have {
			a.Hashes[algo] = digest
		}
	}
	return a, nil
}

// decodeJSON decodes one JSON value and refuses trailing data.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonField decodes obj[key] into v; ok is false when the key is absent
// or null.
func jsonField(obj map[string]json.RawMessage, key, kind string, v any) (ok bool, err error) {
	raw, present := obj[key]
	if !present || string(bytes.TrimSpace(raw)) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("%q is not %s: %s", key, kind, abbreviate(string(raw)))
	}
	return true, nil
}

func jsonString(obj map[string]json.RawMessage, key string) (string, bool, error) {
	var s string
	ok, err := jsonField(obj, key, "a string", &s)
	return s, ok, err
}

func jsonBool(obj map[string]json.RawMessage, key string) (bool, bool, error) {
	var b bool
	ok, err := jsonField(obj, key, "a boolean", &b)
	return b, ok, err
}

func jsonObject(obj map[string]json.RawMessage, key string) (map[string]json.RawMessage, bool, error) {
	var m map[string]json.RawMessage
	ok, err := jsonField(obj, key, "an object", &m)
	return m, ok, err
}

// abbreviate shortens a value quoted in an error message.
func abbreviate(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
