package reqfile

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePyproject(t *testing.T) {
	tests := []struct {
		extras []string
		want   []string // Line and Req of each requirement
	}{
		{nil, []string{
			"testdata/pyproject/pyproject.toml:5 pyspark>=3.5",
			`testdata/pyproject/pyproject.toml:6 pandas[performance]>=2.1; python_version >= "3.9"`,
			"testdata/pyproject/pyproject.toml:7 shared@ file:///opt/libs/shared",
		}},
		{[]string{"dev", "AWS-S3"}, []string{
			"testdata/pyproject/pyproject.toml:5 pyspark>=3.5",
			`testdata/pyproject/pyproject.toml:6 pandas[performance]>=2.1; python_version >= "3.9"`,
			"testdata/pyproject/pyproject.toml:7 shared@ file:///opt/libs/shared",
			"testdata/pyproject/pyproject.toml:11 pytest>=8",
			"testdata/pyproject/pyproject.toml:11 ruff",
			"testdata/pyproject/pyproject.toml:12 boto3",
		}},
	}
	for _, tt := range tests {
		reqs, err := ParsePyproject("testdata/pyproject/pyproject.toml", tt.extras)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range reqs {
			got = append(got, r.Line.String()+" "+strings.Replace(r.Req.String(), "shared @", "shared@", 1))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("extras %q:\n got %q\nwant %q", tt.extras, got, tt.want)
		}
		if reqs[2].Path != "/opt/libs/shared" || reqs[2].URL != "file:///opt/libs/shared" {
			t.Errorf("file: URL dependency: path %q url %q", reqs[2].Path, reqs[2].URL)
		}
	}
}

func TestParsePyprojectErrors(t *testing.T) {
	tests := []struct {
		name, content string
		extras        []string
		want          string
	}{
		{"unknown extra", "[project]\nname='x'\n[project.optional-dependencies]\ntest=[]\nDocs=[]\n", []string{"dev"},
			`p.toml: project.optional-dependencies has no extra "dev"; known extras: Docs, test`},
		{"dynamic dependencies", "[project]\nname='x'\ndynamic=['version','dependencies']\n", nil,
			`p.toml: project.dynamic lists "dependencies": the build backend computes them and clusterpack cannot run it yet; list them in [project] dependencies, or export them to a requirements file and lock that`},
		{"dynamic optional dependencies with extras", "[project]\nname='x'\ndynamic=['optional-dependencies']\n", []string{"dev"},
			`p.toml: project.dynamic lists "optional-dependencies"`},
		{"bad dependency", "[project]\nname='x'\ndependencies = [\n  'ok',\n  'bad ==',\n]\n", nil,
			`p.toml:5: project.dependencies[1]: invalid requirement: "bad =="`},
		{"no project table", "[tool.poetry]\nname='x'\n", nil, "p.toml: no [project] table"},
		{"bad TOML", "[project\n", nil, "p.toml: toml: line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parsePyprojectData("p.toml", tt.content, tt.extras)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
	if _, err := ParsePyproject("testdata/nonexistent/pyproject.toml", nil); err == nil || !strings.Contains(err.Error(), "testdata/nonexistent/pyproject.toml") {
		t.Errorf("missing file: %v", err)
	}
}
