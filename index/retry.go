package index

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// backoff returns the delay before retry number attempt+1: the base delay
// doubled at each retry, capped, with the upper half jittered so that
// clients do not retry in lockstep; at least what the server asked for
// (Retry-After), within the cap.
func (c *Client) backoff(attempt int, serverAsked time.Duration) time.Duration {
	delay := c.backoffBase
	for range attempt {
		delay *= 2
		if delay >= c.backoffMax {
			break
		}
	}
	delay = min(delay, c.backoffMax)
	if half := delay / 2; half > 0 {
		delay = half + rand.N(half+1)
	}
	return min(max(delay, serverAsked), c.backoffMax)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	value := h.Get("Retry-After")
	if value == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(value); err == nil && seconds >= 0 {
		return time.Duration(seconds) * time.Second
	}
	if when, err := http.ParseTime(value); err == nil && when.After(now) {
		return when.Sub(now)
	}
	return 0
}

// isTransientNetError reports whether err, from sending a request, is a
// timeout or a connection that broke: a failure a retry may not meet.
func isTransientNetError(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && (dnsErr.IsTimeout || dnsErr.IsTemporary) {
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
