package store_test

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/store"
)

func TestDefaultLocalURL(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		getenv func(string) string
		goos   string
		want   string
	}{
		{env("HOME", "/home/u"), "linux", "/home/u/.local/share/clusterpack/store"},
		{env("HOME", "/home/u", "XDG_DATA_HOME", "/data"), "linux", "/data/clusterpack/store"},
		{env("HOME", "/home/u", "XDG_DATA_HOME", "relative"), "linux", "/home/u/.local/share/clusterpack/store"},
		{env("HOME", "/Users/u", "XDG_DATA_HOME", "/data"), "darwin", "/Users/u/Library/Application Support/clusterpack/store"},
		{env("HOME", "/home/u"), "freebsd", "/home/u/.local/share/clusterpack/store"},
		{env("LOCALAPPDATA", `C:\Users\u\AppData\Local`), "windows", filepath.Join(`C:\Users\u\AppData\Local`, "clusterpack", "store")},
	} {
		got, err := store.DefaultLocalURL(tc.getenv, tc.goos)
		if err != nil || got != filepath.FromSlash(tc.want) && got != tc.want {
			t.Errorf("DefaultLocalURL(%s) = %q, %v; want %q", tc.goos, got, err, tc.want)
		}
	}
	if _, err := store.DefaultLocalURL(env(), "linux"); err == nil || !strings.Contains(err.Error(), "HOME") {
		t.Errorf("no HOME: %v", err)
	}
}

func TestOpenSchemes(t *testing.T) {
	ctx := context.Background()
	// The openers are the caller's: Open knows no scheme by itself.
	_, err := store.Open(ctx, "file:///x", store.Options{})
	if !errors.Is(err, store.ErrUnsupportedScheme) || !strings.Contains(err.Error(), "Options.Openers") {
		t.Errorf("no openers: %v; want ErrUnsupportedScheme naming Options.Openers", err)
	}
	var got []*url.URL
	errOpened := errors.New("opened")
	record := func(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
		got = append(got, u)
		return nil, errOpened
	}
	opts := store.Options{Openers: map[string]store.Opener{"mem": record, "file": record}}
	_, err = store.Open(ctx, "gs://bucket/x", opts)
	if !errors.Is(err, store.ErrUnsupportedScheme) || !strings.Contains(err.Error(), "file://, mem://") {
		t.Errorf("gs:// = %v; want ErrUnsupportedScheme listing the known schemes", err)
	}
	if _, err := store.Open(ctx, "MEM://host/p", opts); err != errOpened || len(got) != 1 || got[0].Scheme != "mem" || got[0].Host != "host" {
		t.Errorf("custom opener: %v, %v", got, err)
	}
	// Plain relative paths become absolute file URLs.
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := store.Open(ctx, "rel/store", opts); err != errOpened || len(got) != 2 {
		t.Fatalf("plain path: %v, %v", got, err)
	}
	if want := filepath.ToSlash(filepath.Join(dir, "rel", "store")); got[1].Scheme != "file" || got[1].Path != want {
		t.Errorf("plain path opened as %v; want file://%s", got[1], want)
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "env-1.pex", "a/b/c.zip", "a b", ".hidden"} {
		if err := store.ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/a", "a/", "a//b", "./a", "a/./b", "..", "../a", "a/..", `a\b`, "a\x00", "x.sha256", ".clusterpack-tmp-1", "d/.clusterpack-tmp-x/y"} {
		if err := store.ValidName(bad); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("ValidName(%q) = %v; want ErrInvalidName", bad, err)
		}
	}
}
