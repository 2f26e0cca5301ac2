package hdfs

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/clusterpack/clusterpack/store"
)

// fakeRemote is a Java exception as the namenode reports it.
type fakeRemote struct{ class, msg string }

func (f fakeRemote) Method() string    { return "create" }
func (f fakeRemote) Desc() string      { return "ERROR_APPLICATION" }
func (f fakeRemote) Exception() string { return f.class }
func (f fakeRemote) Message() string {
	return f.msg + "\n\tat org.apache.hadoop.Something(Something.java:1)"
}
func (f fakeRemote) Error() string { return f.class + ": " + f.msg }

func TestHDFSExplain(t *testing.T) {
	s := &hdfsStore{user: "etl", addrs: []string{"nn1:8020", "nn2:8020"}}
	cases := []struct {
		err      error
		sentinel error
		kind     hdfsKind
		want     []string
	}{
		{fakeRemote{exSafeMode, "Cannot create file /x. Name node is in safe mode."}, ErrSafeMode, kindPermanent,
			[]string{"safe mode", "Cannot create file /x", "dfsadmin"}},
		{&os.PathError{Op: "create", Path: "/x", Err: fakeRemote{exAccess, "Permission denied: user=etl, access=WRITE"}}, store.ErrAccessDenied, kindPermanent,
			[]string{"user=etl", "HADOOP_USER_NAME"}},
		{&os.PathError{Op: "create", Path: "/x", Err: os.ErrPermission}, store.ErrAccessDenied, kindPermanent,
			[]string{"HDFS user etl may not write", "/x"}},
		{fakeRemote{exRetriable, "NameNode still not started"}, nil, kindRetriable, []string{"NameNode still not started"}},
		{fakeRemote{exQuota, "The DiskSpace quota of /x is exceeded"}, nil, kindPermanent, []string{"quota"}},
		{errors.New("no available namenodes: dial tcp 127.0.0.1:1: connect: connection refused"), store.ErrUnreachable, kindConnection,
			[]string{"nn1:8020, nn2:8020", "connection refused", "namenode running"}},
		{&triedError{tries: 5, err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, store.ErrUnreachable, kindConnection,
			[]string{"connection refused", "5 tries"}},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, store.ErrUnreachable, kindConnection, []string{"connection reset"}},
		{io.ErrUnexpectedEOF, store.ErrUnreachable, kindConnection, []string{"connection closed"}},
		{errors.New("no available namenodes: [Root cause: Networking_Error] Networking_Error: AS Exchange Error: failed sending AS_REQ to KDC"),
			nil, kindPermanent, []string{"Kerberos", "kinit", "etl"}},
	}
	for _, c := range cases {
		if k := hdfsErrorKind(c.err); k != c.kind {
			t.Errorf("%v: kind %d; want %d", c.err, k, c.kind)
		}
		got := s.explain("write", c.err)
		if c.sentinel != nil && !errors.Is(got, c.sentinel) {
			t.Errorf("%v: explained as %v; want it to wrap %v", c.err, got, c.sentinel)
		}
		for _, w := range c.want {
			if !strings.Contains(got.Error(), w) {
				t.Errorf("%v: explained as %q; want it to say %q", c.err, got, w)
			}
		}
		if strings.Contains(got.Error(), "\tat org.apache") {
			t.Errorf("%v: explanation carries a Java stack trace: %q", c.err, got)
		}
	}
	if !notFound(fakeRemote{"java.io.FileNotFoundException", "File for given inode path does not exist"}) {
		t.Error("FileNotFoundException is not a missing file")
	}
	if !xattrsDisabled(fakeRemote{"java.io.IOException", "The XAttr operation has been rejected.  Support for XAttrs has been disabled by setting dfs.namenode.xattrs.enabled to false."}) {
		t.Error("disabled xattrs not recognised")
	}
}
