package hdfs_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/hdfstest"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/hdfs"
	"github.com/clusterpack/clusterpack/store/storetest"
)

// onceAfter calls hook once after n bytes have been read through it.
type onceAfter struct {
	r    io.Reader
	n    int64
	read int64
	once sync.Once
	hook func()
}

func (o *onceAfter) Read(b []byte) (int, error) {
	k, err := o.r.Read(b)
	o.read += int64(k)
	if o.read >= o.n {
		o.once.Do(o.hook)
	}
	return k, err
}

// The namenode goes down in the middle of a Put: the Put fails with
// ErrUnreachable naming the object's URL, nothing is under the final
// name once the namenode is back, and the next run completes.
func TestHDFSNamenodeStoppedDuringPut(t *testing.T) {
	c := hdfstest.Shared(t, hdfstest.Config{})
	dir := freshDir(t)
	s := openHDFS(t, c.URL(dir), store.Options{MaxAttempts: 2}, hdfs.Options{RetryBase: 10 * time.Millisecond, IOTimeout: 5 * time.Second})
	defer s.Close()
	storetest.Put(t, s, "before.pex", []byte("x")) // the directory exists
	content := storetest.Data(93, 24<<20)
	sha := storetest.SHA256(content)
	restarted := false
	defer func() {
		if !restarted {
			c.Restart()
		}
	}()
	r := &onceAfter{r: bytes.NewReader(content), n: 8 << 20, hook: func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	}}
	start := time.Now()
	_, err := s.Put(ctx(t), "env-nn.pex", r, int64(len(content)), store.PutOptions{SHA256: sha})
	if err == nil {
		t.Fatal("Put succeeded although the namenode stopped in the middle")
	}
	t.Logf("Put failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if !errors.Is(err, store.ErrUnreachable) {
		t.Errorf("error = %v; want ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), c.URL(dir+"/env-nn.pex")) {
		t.Errorf("error %q does not name %s", err, c.URL(dir+"/env-nn.pex"))
	}

	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	storetest.AssertMissing(t, s, "env-nn.pex")
	storetest.EnsureUploaded(t, s, "env-nn.pex", content)
	// The failed Put could not delete its temporary file (the namenode
	// was down): a Put a day later takes it, but never a recent one,
	// which may be another machine's upload in progress.
	raw := rawClient(t, c)
	temps := func() []string {
		entries, err := raw.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), store.TempPrefix) {
				out = append(out, e.Name())
			}
		}
		return out
	}
	left := temps()
	t.Logf("left by the failed Put: %v", left)
	day := time.Now().Add(-25 * time.Hour)
	for _, name := range left {
		if err := raw.Chtimes(dir+"/"+name, day, day); err != nil {
			t.Fatal(err)
		}
	}
	live := dir + "/" + store.TempPrefix + "env-live.pex-0123456789abcdef"
	if err := raw.CreateEmptyFile(live); err != nil {
		t.Fatal(err)
	}
	storetest.Put(t, s, "after.pex", []byte("y"))
	if got := temps(); len(got) != 1 || dir+"/"+got[0] != live {
		t.Errorf("temporary files after the next Put: %v; want only the recent %s", got, live)
	}
}
