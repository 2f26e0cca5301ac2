package venvscan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/pypa/record"
)

func FuzzParseDirectURL(f *testing.F) {
	for _, s := range []string{
		`{"url": "https://u:p@h/x.whl", "archive_info": {"hash": "sha256=a", "hashes": {"md5": "b"}}}`,
		`{"url": "file:///p", "dir_info": {"editable": true}}`,
		`{"url": "git+ssh://git@h/r", "vcs_info": {"vcs": "git", "commit_id": "c", "requested_revision": "v1"}, "subdirectory": "s"}`,
		`{"url": null, "dir_info": null}`,
		`[]`, `{`, `{"url": "x", "dir_info": {}} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDirectURL(data)
		if err != nil {
			if d != nil {
				t.Fatal("result and error")
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		n := 0
		for _, set := range []bool{d.VCS != nil, d.Archive != nil, d.Dir != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d infos set in %+v", n, d)
		}
		if d.Editable != (d.Dir != nil && d.Dir.Editable) {
			t.Fatalf("Editable %v disagrees with dir_info %+v", d.Editable, d.Dir)
		}
		again, err := ParseDirectURL(encodeDirectURL(d))
		if err != nil {
			t.Fatalf("re-encoded %+v does not parse: %v", d, err)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("round trip changed %+v into %+v", d, again)
		}
		if redact.Strip(d.URL) != d.URL {
			t.Fatalf("URL %q still has userinfo", d.URL)
		}
	})
}

// FuzzRecordTopLevel checks that the names derived from any RECORD that
// parses are identifiers.
func FuzzRecordTopLevel(f *testing.F) {
	for _, s := range []string{
		"a/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,1\r\na-1.0.dist-info/RECORD,,\r\n",
		"\"q,\"\"uoted\"\".py\",,\n", "a,b,c,d\n", ",,\n", "x,y,-3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := record.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Path == "" || e.Size < -1 {
				t.Fatalf("bad entry %+v from %q", e, data)
			}
		}
		for _, name := range recordTopLevel(entries) {
			if !isIdentifier(name) {
				t.Fatalf("top-level name %q is not an identifier", name)
			}
		}
	})
}

// encodeDirectURL writes d back as direct_url.json.
func encodeDirectURL(d *DirectURL) []byte {
	m := map[string]any{"url": d.URL}
	if d.Subdirectory != "" {
		m["subdirectory"] = d.Subdirectory
	}
	switch {
	case d.VCS != nil:
		v := map[string]any{"vcs": d.VCS.VCS, "commit_id": d.VCS.CommitID}
		if d.VCS.RequestedRevision != "" {
			v["requested_revision"] = d.VCS.RequestedRevision
		}
		m["vcs_info"] = v
	case d.Archive != nil:
		a := map[string]any{}
		if d.Archive.Hashes != nil {
			a["hashes"] = d.Archive.Hashes
		}
		m["archive_info"] = a
	case d.Dir != nil:
		m["dir_info"] = map[string]any{"editable": d.Dir.Editable}
	}
	data, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return data
}
