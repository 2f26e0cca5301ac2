package venvscan

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDirectURL(t *testing.T) {
	tests := []struct {
		name string
		json string
		want *DirectURL
	}{
		{
			name: "wheel archive with hashes",
			json: `{"url": "https://files.example/demo-1.0-py3-none-any.whl", "archive_info": {"hashes": {"sha256": "abc"}}}`,
			want: &DirectURL{URL: "https://files.example/demo-1.0-py3-none-any.whl", Archive: &ArchiveInfo{Hashes: map[string]string{"sha256": "abc"}}},
		},
		{
			name: "legacy hash merged",
			json: `{"url": "file:///tmp/demo.tar.gz", "archive_info": {"hash": "sha256=abc"}}`,
			want: &DirectURL{URL: "file:///tmp/demo.tar.gz", Archive: &ArchiveInfo{Hashes: map[string]string{"sha256": "abc"}}},
		},
		{
			name: "hashes win over legacy hash of the same algorithm",
			json: `{"url": "file:///x.whl", "archive_info": {"hash": "sha256=old", "hashes": {"sha256": "new", "md5": "m"}}}`,
			want: &DirectURL{URL: "file:///x.whl", Archive: &ArchiveInfo{Hashes: map[string]string{"sha256": "new", "md5": "m"}}},
		},
		{
			name: "empty archive_info",
			json: `{"url": "file:///x.whl", "archive_info": {}}`,
			want: &DirectURL{URL: "file:///x.whl", Archive: &ArchiveInfo{}},
		},
		{
			name: "editable directory",
			json: `{"url": "file:///home/me/proj", "dir_info": {"editable": true}}`,
			want: &DirectURL{URL: "file:///home/me/proj", Editable: true, Dir: &DirInfo{Editable: true}},
		},
		{
			name: "directory, not editable by default",
			json: `{"url": "file:///home/me/proj", "dir_info": {}}`,
			want: &DirectURL{URL: "file:///home/me/proj", Dir: &DirInfo{}},
		},
		{
			name: "vcs with subdirectory",
			json: `{"url": "https://github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "1234abcd", "requested_revision": "main"}, "subdirectory": "py"}`,
			want: &DirectURL{URL: "https://github.com/o/r.git", VCS: &VCSInfo{VCS: "git", CommitID: "1234abcd", RequestedRevision: "main"}, Subdirectory: "py"},
		},
		{
			name: "null info counts as absent, unknown keys ignored",
			json: `{"url": "file:///p", "vcs_info": null, "dir_info": {"editable": false, "x": 1}, "extra": [1]}`,
			want: &DirectURL{URL: "file:///p", Dir: &DirInfo{}},
		},
		{
			name: "token stripped",
			json: `{"url": "https://user:s3cret@private.example/simple/demo-1.0.whl", "archive_info": {}}`,
			want: &DirectURL{URL: "https://private.example/simple/demo-1.0.whl", Archive: &ArchiveInfo{}},
		},
		{
			name: "token-only userinfo and env-var userinfo stripped",
			json: `{"url": "git+https://${TOKEN}@github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "c"}}`,
			want: &DirectURL{URL: "git+https://github.com/o/r.git", VCS: &VCSInfo{VCS: "git", CommitID: "c"}},
		},
		{
			name: "ssh git user kept, ssh password stripped",
			json: `{"url": "git+ssh://git:pw@github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "c"}}`,
			want: &DirectURL{URL: "git+ssh://git@github.com/o/r.git", VCS: &VCSInfo{VCS: "git", CommitID: "c"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDirectURL([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseDirectURLInvalid(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"not JSON", `{"url": `, "not a JSON object"},
		{"array", `[1]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"trailing data", `{"url": "file:///p", "dir_info": {}} x`, "after the JSON value"},
		{"no url", `{"dir_info": {}}`, `missing "url"`},
		{"url not a string", `{"url": 3, "dir_info": {}}`, `"url" is not a string`},
		{"no info", `{"url": "file:///p"}`, `missing one of`},
		{"two infos", `{"url": "file:///p", "dir_info": {}, "archive_info": {}}`, `more than one of`},
		{"editable not a bool", `{"url": "file:///p", "dir_info": {"editable": "yes"}}`, `dir_info: "editable" is not a boolean`},
		{"dir_info not an object", `{"url": "file:///p", "dir_info": true}`, `"dir_info" is not an object`},
		{"vcs without commit", `{"url": "git+https://h/r", "vcs_info": {"vcs": "git"}}`, `vcs_info: missing "commit_id"`},
		{"vcs without vcs", `{"url": "git+https://h/r", "vcs_info": {"commit_id": "c"}}`, `vcs_info: missing "vcs"`},
		{"hash without algorithm", `{"url": "file:///x.whl", "archive_info": {"hash": "abc"}}`, `"hash" "abc" is not`},
		{"hashes value not a string", `{"url": "file:///x.whl", "archive_info": {"hashes": {"sha256": 1}}}`, `hashes: "sha256" is not a string`},
		{"subdirectory not a string", `{"url": "file:///p", "dir_info": {}, "subdirectory": 1}`, `"subdirectory" is not a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDirectURL([]byte(tt.json))
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}
