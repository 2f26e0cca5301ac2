package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// errNoRanges reports a server that did not answer a range request with
// the range asked for; the caller downloads the whole file instead.
var errNoRanges = errors.New("server does not serve byte ranges")

// rangeSource is a byteSource over a remote file read through HTTP range
// requests. It keeps what it fetched, and fetches at least readAhead bytes
// at a time, so that reading a wheel's METADATA usually takes one request
// for the tail and at most one or two more.
type rangeSource struct {
	client    *Client
	url       *url.URL
	index     string
	length    int64
	validator string // the ETag, sent as If-Range so that the file cannot change under us
	regions   []region
}

// region is a fetched part of the file.
type region struct {
	offset int64
	data   []byte
}

func (s *rangeSource) size() int64 { return s.length }

func (s *rangeSource) readAt(ctx context.Context, offset, length int64) ([]byte, error) {
	if offset < 0 || length < 0 || offset > s.length-length {
		return nil, fmt.Errorf("read of %d bytes at %d outside the %d-byte file", length, offset, s.length)
	}
	for _, r := range s.regions {
		if offset >= r.offset && offset+length <= r.offset+int64(len(r.data)) {
			return r.data[offset-r.offset : offset-r.offset+length], nil
		}
	}
	fetch := min(max(length, s.client.readAhead), s.length-offset)
	header := http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", offset, offset+fetch-1)}}
	if s.validator != "" {
		header.Set("If-Range", s.validator)
	}
	var data []byte
	err := s.client.do(ctx, request{url: s.url, index: s.index, header: header}, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusPartialContent {
			return errNoRanges
		}
		start, end, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != offset || end != offset+fetch-1 || total != s.length {
			return fmt.Errorf("%w: asked for bytes %d-%d/%d, got Content-Range %q", errNoRanges, offset, offset+fetch-1, s.length, resp.Header.Get("Content-Range"))
		}
		data, err = readExactly(resp.Body, fetch)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.regions = append(s.regions, region{offset: offset, data: data})
	return data[:length], nil
}

// readExactly reads n bytes of a body, failing if it has more or fewer.
func readExactly(body io.Reader, n int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, n+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != n {
		return nil, fmt.Errorf("%w: expected %d bytes, received %d", errNoRanges, n, len(data))
	}
	return data, nil
}

// parseContentRange parses "bytes <start>-<end>/<total>".
func parseContentRange(value string) (start, end, total int64, err error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(value), "bytes ")
	if !ok {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", value)
	}
	span, length, ok := strings.Cut(spec, "/")
	first, last, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", value)
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	end, err2 := strconv.ParseInt(last, 10, 64)
	total, err3 := strconv.ParseInt(length, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || start < 0 || end < start || total <= end {
		return 0, 0, 0, fmt.Errorf("malformed Content-Range %q", value)
	}
	return start, end, total, nil
}
