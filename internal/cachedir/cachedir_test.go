package cachedir

import (
	"path/filepath"
	"testing"
)

func TestRoot(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		goos    string
		want    string
		wantErr bool
	}{
		{"override", map[string]string{EnvVar: "/tmp/cp", "HOME": "/home/u"}, "linux", "/tmp/cp", false},
		{"xdg", map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/home/u"}, "linux", "/x/clusterpack", false},
		{"relative xdg is ignored", map[string]string{"XDG_CACHE_HOME": "rel", "HOME": "/home/u"}, "linux", "/home/u/.cache/clusterpack", false},
		{"home", map[string]string{"HOME": "/home/u"}, "linux", "/home/u/.cache/clusterpack", false},
		{"mac", map[string]string{"HOME": "/Users/u"}, "darwin", "/Users/u/Library/Caches/clusterpack", false},
		{"windows", map[string]string{"LocalAppData": "/c/AppData/Local"}, "windows", filepath.Join("/c/AppData/Local", "clusterpack"), false},
		{"nothing", map[string]string{}, "linux", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Root(func(k string) string { return tt.env[k] }, tt.goos)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Root = %q, want %q", got, tt.want)
			}
		})
	}
}
