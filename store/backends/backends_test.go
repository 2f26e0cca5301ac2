package backends_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

func TestOpeners(t *testing.T) {
	_, err := store.Open(context.Background(), "gs://bucket/x", store.Options{Openers: backends.Openers()})
	if !errors.Is(err, store.ErrUnsupportedScheme) || !strings.Contains(err.Error(), "(this build knows file://, hdfs://, s3://)") {
		t.Errorf("gs:// = %v; want ErrUnsupportedScheme listing file://, hdfs://, s3://", err)
	}
	o := backends.Openers()
	o["mem"] = nil
	delete(o, "file")
	if n := backends.Openers(); n["file"] == nil || len(n) != 3 {
		t.Errorf("Openers shares its map between calls: %v", n)
	}
}
