package hdfs

import (
	"context"
	"errors"
	"net"
	"time"

	gohdfs "github.com/colinmarc/hdfs/v2"
)

// The connection to the namenodes: dialing with deadlines, connecting on
// first use, and running each call under a context, with retries.

// deadlineConn gives every read and write a deadline: a namenode that
// stops answering fails the RPC after the timeout instead of hanging it.
// The namenode connection is only read while an RPC waits for its answer.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
}

var errClosed = errors.New("the store is closed")

// getClient returns the connected client, connecting first if needed.
func (s *hdfsStore) getClient(ctx context.Context) (*gohdfs.Client, error) {
	s.mu.Lock()
	c, closed := s.client, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	if c != nil {
		return c, nil
	}
	select {
	case s.connect <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.connect }()
	s.mu.Lock()
	c, closed = s.client, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	if c != nil {
		return c, nil
	}
	type result struct {
		c   *gohdfs.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := gohdfs.NewClient(s.clientOp())
		if err == nil {
			// The library caches the server defaults on first use without
			// a lock: fetch them now, before concurrent Creates race on it.
			if _, err = nc.ServerDefaults(); err != nil {
				nc.Close()
				nc = nil
			}
		}
		done <- result{nc, err}
	}()
	var nc *gohdfs.Client
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		nc = r.c
	case <-ctx.Done():
		// A connection that comes up after all is closed, not leaked.
		go func() {
			if r := <-done; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		go nc.Close()
		return nil, errClosed
	}
	s.client = nc
	s.log.Debug("connected to HDFS", "namenodes", s.addrs, "user", s.user)
	return nc, nil
}

// dropClient forgets c after a connection failure, so that the next try
// dials the namenodes afresh.
func (s *hdfsStore) dropClient(c *gohdfs.Client) {
	s.mu.Lock()
	if s.client == c {
		s.client = nil
	} else {
		c = nil
	}
	s.mu.Unlock()
	if c != nil {
		go c.Close()
	}
}

// runCtx runs fn and returns its error, or ctx's as soon as ctx is done
// (fn then goes on in the background, its result dropped).
func runCtx(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call runs fn with a connected client under ctx, retrying transient
// failures with backoff. fn must be safe to repeat.
func (s *hdfsStore) call(ctx context.Context, what string, fn func(c *gohdfs.Client) error) error {
	pause := s.retryBase
	for attempt := 1; ; attempt++ {
		c, err := s.getClient(ctx)
		if err == nil {
			err = runCtx(ctx, func() error { return fn(c) })
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		kind := hdfsErrorKind(err)
		if kind == kindConnection && c != nil {
			s.dropClient(c)
		}
		if !kind.transient() || attempt >= s.attempts {
			if kind.transient() && attempt > 1 {
				return &triedError{tries: attempt, err: err}
			}
			return err
		}
		s.log.Info("retrying HDFS call", "call", what, "url", s.URL(""), "attempt", attempt, "pause", pause, "error", err)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
		pause = min(2*pause, 8*time.Second)
	}
}
