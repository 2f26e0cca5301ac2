package upload

import (
	"context"
	"os/user"
	"strings"
	"testing"

	gohdfs "github.com/colinmarc/hdfs/v2"

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

// TestLayeredUploadToHDFS is the layered upload's story on a real HDFS,
// and the note an upload gives when a directory above the store keeps
// YARN from localizing the environment PUBLIC.
func TestLayeredUploadToHDFS(t *testing.T) {
	cluster := hdfstest.Shared(t, hdfstest.Config{})
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := gohdfs.NewClient(gohdfs.ClientOptions{Addresses: []string{cluster.Addr}, User: u.Username})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	open := func(p string) store.Store {
		st, err := store.Open(ctx, cluster.URL(p), store.Options{Openers: backends.Openers()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	dir := "/layered/" + strings.ReplaceAll(t.Name(), "/", "_")
	testLayeredUpload(t, open(dir), func(t *testing.T, name string) {
		if err := raw.Remove(dir + "/" + name); err != nil {
			t.Fatal(err)
		}
	})

	// Under a 0700 directory, the upload works and says why YARN will
	// not share it.
	priv := dir + "-private"
	if err := raw.MkdirAll(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := raw.Chmod(priv, 0o700); err != nil {
		t.Fatal(err)
	}
	f := layeredSetup(t)
	res := f.upload(t, open(priv+"/envs"), variantBase, Options{})
	if !res.Uploaded || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], cluster.URL(priv)+" has mode 0700") {
		t.Fatalf("upload under a 0700 directory: uploaded %v, notes %q; want one note naming %s", res.Uploaded, res.Notes, cluster.URL(priv))
	}
	public := f.upload(t, open(dir+"-public"), variantBase, Options{})
	if len(public.Notes) != 0 {
		t.Errorf("upload under public directories: notes %q, want none", public.Notes)
	}
}
