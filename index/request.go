package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/clusterpack/clusterpack/internal/redact"
)

// request is one HTTP GET to send, with retries.
type request struct {
	// url is the URL to get, without user information.
	url *url.URL
	// index is the redacted index or find-links location the URL belongs
	// to, for error messages.
	index string
	// header holds extra request headers (Accept, Range, validators).
	header http.Header
}

// errStalled cancels an attempt during which no data arrived for the
// client's timeout.
var errStalled = errors.New("stalled")

// transientError marks a failure worth retrying; retryAfter is the delay a
// server asked for, if any.
type transientError struct {
	err        error
	retryAfter time.Duration
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// readError marks an error from reading a response body: a transfer that
// broke off, worth retrying, unlike errors of the code consuming the body.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// do sends r, retrying transient failures with exponential backoff and
// jitter, and calls handle with each 2xx or 304 reply; an error of handle
// caused by reading the body is retried too (handle must then start over).
// 401, 403 and other 4xx replies become typed errors and are not retried.
func (c *Client) do(ctx context.Context, r request, handle func(*http.Response) error) error {
	for attempt := 0; ; attempt++ {
		err := c.attempt(ctx, r, handle)
		var transient *transientError
		if err == nil || !errors.As(err, &transient) {
			return err
		}
		if attempt >= c.retries || ctx.Err() != nil {
			if attempt == 0 {
				return transient.err
			}
			return fmt.Errorf("%w (gave up after %d attempts)", transient.err, attempt+1)
		}
		delay := c.backoff(attempt, transient.retryAfter)
		c.log.Warn("retrying request", "url", redact.Mask(r.url.String()), "retry", attempt+1, "of", c.retries, "delay", delay, "error", transient.err.Error())
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("GET %s: %w", redact.Mask(r.url.String()), context.Cause(ctx))
		case <-timer.C:
		}
	}
}

// attempt sends r once, holding one of the client's slots meanwhile.
func (c *Client) attempt(ctx context.Context, r request, handle func(*http.Response) error) error {
	display := redact.Mask(r.url.String())
	index := r.index
	if index == "" {
		index = display
	}
	if err := c.checkOrigin(r.url); err != nil {
		return err
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("GET %s: %w", display, context.Cause(ctx))
	}
	defer func() { <-c.slots }()

	attemptCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(c.timeout, func() { cancel(errStalled) })
	defer watchdog.Stop()

	req, err := http.NewRequestWithContext(attemptCtx, http.MethodGet, r.url.String(), nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", display, err)
	}
	for name, values := range r.header {
		req.Header[name] = values
	}
	req.Header.Set("User-Agent", c.userAgent)
	user, password, withCredentials := c.credentialsFor(r.url)
	if withCredentials {
		req.SetBasicAuth(user, password)
	}
	c.log.Debug("GET", "url", display, "range", r.header.Get("Range"), "credentials", withCredentials)
	resp, err := c.http.Do(req)
	if err != nil {
		return c.classify(ctx, attemptCtx, display, err, isTransientNetError(err))
	}
	defer resp.Body.Close()
	resp.Body = &watchedBody{body: resp.Body, watchdog: watchdog, timeout: c.timeout}
	c.log.Debug("reply", "url", display, "status", resp.Status, "content-type", resp.Header.Get("Content-Type"))

	status := resp.StatusCode
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return &transientError{err: httpError(display, resp), retryAfter: retryAfter(resp.Header, c.now())}
	case status == http.StatusUnauthorized:
		return &UnauthorizedError{Index: index, URL: display, SentCredentials: withCredentials}
	case status == http.StatusForbidden:
		return &ForbiddenError{Index: index, URL: display}
	case status >= 300 && status != http.StatusNotModified, status < 200:
		return httpError(display, resp)
	}
	if err := handle(resp); err != nil {
		var broken *readError
		return c.classify(ctx, attemptCtx, display, err, errors.As(err, &broken))
	}
	return nil
}

// classify turns the error of an attempt into the error to return:
// cancellation by the caller wins, a stall becomes a retryable timeout,
// and transient errors are marked for retry.
func (c *Client) classify(ctx, attemptCtx context.Context, display string, err error, transient bool) error {
	if ctx.Err() != nil {
		return fmt.Errorf("GET %s: %w", display, context.Cause(ctx))
	}
	if context.Cause(attemptCtx) == errStalled {
		return &transientError{err: fmt.Errorf("GET %s: timed out: no data received for %s", display, c.timeout)}
	}
	if transient {
		return &transientError{err: err}
	}
	return err
}

func httpError(display string, resp *http.Response) *HTTPError {
	return &HTTPError{URL: display, StatusCode: resp.StatusCode, Status: resp.Status}
}

// watchedBody postpones the attempt's watchdog whenever data arrives, and
// marks read errors as such.
type watchedBody struct {
	body     io.ReadCloser
	watchdog *time.Timer
	timeout  time.Duration
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if n > 0 {
		b.watchdog.Reset(b.timeout)
	}
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

func (b *watchedBody) Close() error { return b.body.Close() }
