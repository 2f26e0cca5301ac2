package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// defaultIOTimeout is how long a connection may make no progress when
// store.Options.IOTimeout is zero, as the HDFS store's.
const defaultIOTimeout = 2 * time.Minute

// httpClient is the SDK's HTTP client whose connections fail once they
// make no progress for timeout: a server that stops reading an upload,
// or never answers one, would otherwise hold a Put for ever (the SDK's
// client has no such limit, only a dial timeout). The failure is a
// timeout, which the SDK's retryer retries like any connection error.
func httpClient(timeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		dial := tr.DialContext
		if dial == nil {
			dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &progressConn{Conn: c, timeout: timeout}, nil
		}
	})
}

// progressConn moves the deadline of both directions on whenever bytes
// move in either: the transport's read of a response waits while the
// request's body is written, and must not time out while it is, and a
// slow but progressing transfer never does. Writes go in pieces so that
// one large write to a slow reader keeps moving it too.
type progressConn struct {
	net.Conn
	timeout time.Duration
}

// writePiece is the most written under one deadline.
const writePiece = 64 << 10

func (c *progressConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	return n, c.stalled(err)
}

func (c *progressConn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := c.Conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
			return written, err
		}
		k, err := c.Conn.Write(p[:min(len(p), writePiece)])
		written += k
		p = p[k:]
		if err != nil {
			return written, c.stalled(err)
		}
	}
	return written, nil
}

func (c *progressConn) stalled(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &stallError{timeout: c.timeout, err: err}
	}
	return err
}

// stallError is a connection that made no progress for its timeout. It
// is a net.Error timeout, so the SDK retries it.
type stallError struct {
	timeout time.Duration
	err     error
}

func (e *stallError) Error() string {
	return fmt.Sprintf("the connection made no progress for %v (the store's I/O timeout)", e.timeout)
}
func (e *stallError) Unwrap() error   { return e.err }
func (e *stallError) Timeout() bool   { return true }
func (e *stallError) Temporary() bool { return true }
