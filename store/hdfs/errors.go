package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	gohdfs "github.com/colinmarc/hdfs/v2"

	"github.com/clusterpack/clusterpack/store"
)

// HDFS errors: which are worth another try, and what they mean in words
// a user can act on.

// hdfsKind sorts the errors of HDFS calls.
type hdfsKind int

const (
	kindPermanent  hdfsKind = iota
	kindConnection          // the connection failed: dial afresh and retry
	kindRetriable           // the namenode asks to retry later
)

func (k hdfsKind) transient() bool { return k != kindPermanent }

const (
	exSafeMode   = "org.apache.hadoop.hdfs.server.namenode.SafeModeException"
	exRetriable  = "org.apache.hadoop.ipc.RetriableException"
	exStandby    = "org.apache.hadoop.ipc.StandbyException"
	exAccess     = "org.apache.hadoop.security.AccessControlException"
	exQuota      = "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException"
	exNSQuota    = "org.apache.hadoop.hdfs.protocol.NSQuotaExceededException"
	exParentFile = "org.apache.hadoop.fs.ParentNotDirectoryException"
)

// remoteException returns the Java exception an error carries, if any.
func remoteException(err error) (gohdfs.Error, bool) {
	var re gohdfs.Error
	if errors.As(err, &re) {
		return re, true
	}
	return nil, false
}

// notFound reports whether err says the file does not exist, as the
// library reports it (os.ErrNotExist) or as the namenode raised it.
func notFound(err error) bool {
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	re, ok := remoteException(err)
	return ok && re.Exception() == "java.io.FileNotFoundException"
}

// hdfsErrorKind tells whether err is worth another try.
func hdfsErrorKind(err error) hdfsKind {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return kindPermanent
	}
	if re, ok := remoteException(err); ok {
		switch re.Exception() {
		case exRetriable, exStandby:
			return kindRetriable
		}
		return kindPermanent
	}
	if gohdfs.IsErrReplicating(err) {
		return kindRetriable
	}
	if isKerberosError(err) {
		return kindPermanent
	}
	if isConnectionError(err) {
		return kindConnection
	}
	return kindPermanent
}

func isConnectionError(err error) bool {
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return true
	}
	// The library reports failing to reach every namenode as a plain
	// string.
	return strings.Contains(err.Error(), "no available namenodes")
}

// isKerberosError reports whether err comes from the Kerberos login or
// handshake (gokrb5's errors read "[Root cause: …]").
func isKerberosError(err error) bool {
	msg := err.Error()
	low := strings.ToLower(msg)
	return strings.Contains(msg, "[Root cause:") || strings.Contains(msg, "KDC") ||
		strings.Contains(low, "kerberos") || strings.Contains(low, "krb5") || strings.Contains(low, "spnego")
}

// xattrsDisabled reports whether the namenode refused an extended
// attribute call because dfs.namenode.xattrs.enabled is false.
func xattrsDisabled(err error) bool {
	if err == nil {
		return false
	}
	re, ok := remoteException(err)
	msg := err.Error()
	if ok {
		msg = re.Message()
	}
	return strings.Contains(msg, "dfs.namenode.xattrs.enabled")
}

// firstLine is the first line of a Java exception's message (the rest is
// its stack trace).
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

// fail wraps err as the *Error of op on name, in words a user can act on.
func (s *hdfsStore) fail(op, name, action string, err error) error {
	return &store.Error{Op: op, URL: s.URL(name), Err: s.explain(action, err)}
}

// explain turns the error of an HDFS call into the package's sentinels and
// words a user can act on. action is "read", "write" or "list".
func (s *hdfsStore) explain(action string, err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, store.ErrNotExist), errors.Is(err, store.ErrSizeMismatch), errors.Is(err, store.ErrInvalidName),
		errors.Is(err, ErrSafeMode), errors.Is(err, store.ErrAccessDenied), errors.Is(err, store.ErrUnreachable),
		errors.Is(err, errClosed):
		return err
	}
	if re, ok := remoteException(err); ok {
		msg := firstLine(re.Message())
		switch re.Exception() {
		case exSafeMode:
			return fmt.Errorf("%w: %s; nothing can be written until it leaves safe mode "+
				"(`hdfs dfsadmin -safemode get` shows it; a namenode leaves it by itself once enough blocks are reported after a start, "+
				"otherwise the cluster's administrators take it out)", ErrSafeMode, msg)
		case exAccess:
			return fmt.Errorf("%w: %s (%s)", store.ErrAccessDenied, msg, s.whoHint())
		case exQuota, exNSQuota:
			return fmt.Errorf("the directory's quota is exhausted: %s (free space or ask for a larger quota)", msg)
		case exParentFile:
			return fmt.Errorf("a file is in the way of the object's directory: %s", msg)
		}
		return fmt.Errorf("the namenode refused to %s: %s (%s)", action, msg, re.Exception())
	}
	if isKerberosError(err) && strings.Contains(err.Error(), "not supported by namenode") {
		return fmt.Errorf("Kerberos authentication as %s failed: the namenode does not use Kerberos (it runs simple authentication): "+
			"drop the keytab, or hadoop.security.authentication=kerberos from the Hadoop configuration", s.user)
	}
	if isKerberosError(err) {
		return fmt.Errorf("Kerberos authentication as %s failed: %v (run kinit, or check the keytab, the principal, "+
			"krb5.conf and dfs.namenode.kerberos.principal)", s.user, strings.TrimPrefix(err.Error(), "no available namenodes: "))
	}
	switch {
	case notFound(err) && action != "write":
		return store.ErrNotExist
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: HDFS user %s may not %s: %v (%s)", store.ErrAccessDenied, s.user, action, err, s.whoHint())
	case isConnectionError(err):
		tries := ""
		var te *triedError
		if errors.As(err, &te) {
			tries = fmt.Sprintf(" (%d tries)", te.tries)
		}
		return fmt.Errorf("%w: namenode %s: %s%s; is the namenode running, and are its host and port right in the URL or in HADOOP_CONF_DIR?",
			store.ErrUnreachable, strings.Join(s.addrs, ", "), connectionCause(err), tries)
	}
	return err
}

// triedError is a transient error that outlasted the retries.
type triedError struct {
	tries int
	err   error
}

func (e *triedError) Error() string { return fmt.Sprintf("%v (%d tries)", e.err, e.tries) }
func (e *triedError) Unwrap() error { return e.err }

// whoHint says whom HDFS checked permissions for.
func (s *hdfsStore) whoHint() string {
	return "HDFS checks permissions for " + s.user +
		"; look at the directory's owner and mode with `hdfs dfs -ls -d`, or act as another user with HADOOP_USER_NAME or another Kerberos principal"
}

// connectionCause says in words why a connection failed.
func connectionCause(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "no answer (timed out)"
	}
	msg := err.Error()
	if strings.Contains(msg, "connection refused") {
		return "connection refused"
	}
	if strings.Contains(msg, "i/o timeout") {
		return "no answer (timed out)"
	}
	return msg
}
