package store_test

import (
	"path/filepath"
	"testing"

	"github.com/clusterpack/clusterpack/store/storetest"
)

func TestFileEnsure(t *testing.T) {
	dir := t.TempDir()
	storetest.Ensure(t, openDir(t, dir), func(t *testing.T, name string) {
		storetest.FlipByte(t, filepath.Join(dir, name), 12345)
	})
}
