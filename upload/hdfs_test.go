package upload

import (
	"context"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
)

// TestUploadToHDFS runs the upload against a real HDFS (the Hadoop
// minicluster): the first upload sends everything, the second nothing,
// and hdfs:///path finds the namenode through HADOOP_CONF_DIR.
func TestUploadToHDFS(t *testing.T) {
	cluster := hdfstest.Start(t, hdfstest.Config{})
	f := setup(t)
	getenv := func(k string) string {
		if k == "HADOOP_CONF_DIR" {
			return cluster.ConfDir
		}
		return ""
	}
	st, err := store.Open(context.Background(), "hdfs:///user/clusterpack/envs", store.Options{Openers: backends.Openers(), Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f.st = &counting{Store: st}
	first := f.upload(t, false)
	if !first.Uploaded || !strings.HasPrefix(first.URL, "hdfs://") || !first.Code[0].Uploaded {
		t.Fatalf("first upload to HDFS: %+v", first)
	}
	info, err := st.Stat(context.Background(), first.Archive)
	if err != nil || info.SHA256 != first.SHA256 || info.Size != first.Size {
		t.Fatalf("the file on HDFS: %+v %v", info, err)
	}
	f.st.reset()
	again := f.upload(t, false)
	if again.Uploaded || again.Code[0].Uploaded || f.st.puts.Load() != 0 {
		t.Fatalf("unchanged upload to HDFS: uploaded %v, %d puts", again.Uploaded, f.st.puts.Load())
	}
}
