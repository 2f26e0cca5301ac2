// Package s3 is the store backend of S3 and S3-compatible servers. The
// store is s3://BUCKET/PREFIX; an object NAME is the key PREFIX/NAME. Its
// sha256 is user metadata, x-amz-meta-sha256.
//
// Credentials come from the SDK's default chain: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), the shared config and
// credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE) with
// the profile store.Options.Profile, else AWS_PROFILE, else "default" (SSO,
// assume-role and credential_process profiles included), then web
// identity, ECS and EC2 instance roles (IMDS; AWS_EC2_METADATA_DISABLED
// turns it off). An explicit store.Options.Profile wins over credentials in
// the environment, as --profile does for the AWS CLI. Endpoint and
// LoadConfig give the same endpoint, region and credentials to other S3
// clients.
//
// Put uploads with manager.Uploader: one PutObject below the part size,
// else a multipart upload of store.Options.Concurrency parts at a time. S3
// makes an object visible only when PutObject or CompleteMultipartUpload
// succeeds, so Put is atomic; a failed multipart upload is aborted (with
// a context of its own, so that a cancelled Put still cleans up). An
// upload whose process dies leaves an incomplete multipart upload on the
// server, invisible under the name; a bucket lifecycle rule
// (AbortIncompleteMultipartUpload) reclaims its space.
//
// Every request goes through the SDK's standard retryer: throttling
// errors (SlowDown, Throttling, RequestLimitExceeded…), HTTP 429, 500,
// 502, 503 and 504, connection errors and timeouts are retried with
// exponential backoff and jitter, up to store.Options.MaxAttempts attempts,
// without the SDK's client-side retry quota (which would turn a flaky
// minute into failures).
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/clusterpack/clusterpack/internal/redact"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/internal/backend"
)

type s3Store struct {
	client      *s3api.Client
	bucket      string
	prefix      string // "" or "some/prefix/" (with the trailing slash)
	endpoint    string // for messages: "" means AWS
	credsFrom   string // for messages: where credentials come from
	partSize    int64
	concurrency int
	log         *slog.Logger
}

const (
	defaultPartSize    = 16 << 20
	defaultConcurrency = 4
	defaultAttempts    = 5
	metaSHA256         = "sha256" // x-amz-meta-sha256
)

// Open is the opener of s3:// URLs.
func Open(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
	redacted := redact.URL(u.String())
	if u.User != nil {
		return nil, &store.Error{Op: "open", URL: redacted, Err: errors.New("credentials do not belong in the URL: use a profile or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")}
	}
	if u.Host == "" {
		return nil, &store.Error{Op: "open", URL: redacted, Err: errors.New("no bucket: use s3://bucket/prefix")}
	}
	log := backend.Logger(opts.Logger)
	s := &s3Store{
		bucket:      u.Host,
		prefix:      strings.Trim(u.Path, "/"),
		partSize:    opts.PartSize,
		concurrency: opts.Concurrency,
		log:         log,
	}
	if s.prefix != "" {
		if err := store.ValidName(s.prefix); err != nil {
			return nil, &store.Error{Op: "open", URL: redacted, Err: fmt.Errorf("the prefix: %w", err)}
		}
		s.prefix += "/"
	}
	if s.partSize == 0 {
		s.partSize = defaultPartSize
	}
	if s.partSize < manager.MinUploadPartSize {
		return nil, &store.Error{Op: "open", URL: redacted, Err: fmt.Errorf("part size %d is below S3's minimum of 5 MiB", s.partSize)}
	}
	if s.concurrency <= 0 {
		s.concurrency = defaultConcurrency
	}
	c, err := loadConfig(ctx, opts, log)
	s.credsFrom = c.credsFrom
	if err != nil {
		return nil, &store.Error{Op: "open", URL: redacted, Err: fmt.Errorf("loading the AWS configuration (%s): %w", s.credsFrom, err)}
	}
	cfg := c.aws
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	timeout := opts.IOTimeout
	if timeout <= 0 {
		timeout = defaultIOTimeout
	}
	cfg.HTTPClient = httpClient(timeout)

	endpoint := Endpoint(opts)
	pathStyle := opts.S3PathStyle
	if endpoint != "" {
		e, err := url.Parse(endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
			return nil, &store.Error{Op: "open", URL: redacted, Err: fmt.Errorf("S3 endpoint %q is not an http:// or https:// URL", redact.URL(endpoint))}
		}
		e.User = nil
		endpoint = e.String()
		s.endpoint = endpoint
		pathStyle = true
	}
	s.client = s3api.NewFromConfig(cfg, func(o *s3api.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = pathStyle
	})
	log.Debug("opened", "store", "s3", "url", s.URL(""), "endpoint", endpoint, "region", cfg.Region, "credentials", s.credsFrom)
	return s, nil
}

func (s *s3Store) URL(name string) string {
	u := "s3://" + s.bucket + "/" + s.prefix + name
	if name == "" {
		u = strings.TrimSuffix(u, "/")
	}
	return u
}

func (s *s3Store) Close() error { return nil }

func (s *s3Store) key(name string) string { return s.prefix + name }

// fail wraps err in an *Error for the object name, with the reason in
// words.
func (s *s3Store) fail(op, name string, err error) error {
	return &store.Error{Op: op, URL: s.URL(name), Err: s.reason(err)}
}

func (s *s3Store) where() string {
	if s.endpoint != "" {
		return "the S3 endpoint " + s.endpoint
	}
	return "S3"
}

func (s *s3Store) reason(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, store.ErrSizeMismatch) || errors.Is(err, store.ErrInvalidName) {
		return err
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return store.ErrNotExist
		case "NoSuchBucket":
			return fmt.Errorf("%w: bucket %q does not exist on %s", store.ErrNoContainer, s.bucket, s.where())
		case "AccessDenied", "Forbidden", "AllAccessDisabled", "AccountProblem":
			return fmt.Errorf("%w: check the credentials of %s and their permissions on bucket %q (%s)",
				store.ErrAccessDenied, s.credsFrom, s.bucket, ae.ErrorCode())
		case "InvalidAccessKeyId", "XAdminUserNotFound":
			return fmt.Errorf("%w: %s does not know the access key id of %s", store.ErrAccessDenied, s.where(), s.credsFrom)
		case "SignatureDoesNotMatch":
			return fmt.Errorf("%w: the secret key of %s does not match its access key id", store.ErrAccessDenied, s.credsFrom)
		case "ExpiredToken", "TokenRefreshRequired", "InvalidToken":
			return fmt.Errorf("%w: the session token of %s has expired: log in again (aws sso login)", store.ErrAccessDenied, s.credsFrom)
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
			return &RegionError{Bucket: s.bucket, Code: ae.ErrorCode(), Err: err}
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
		return fmt.Errorf("%w: check the credentials of %s and their permissions on bucket %q", store.ErrAccessDenied, s.credsFrom, s.bucket)
	}
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %s: %v", store.ErrUnreachable, s.where(), se.Err)
	}
	if msg := err.Error(); strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") {
		return &NoCredentialsError{From: s.credsFrom, Err: err}
	}
	return err
}

// RegionError says that the bucket is in another region than the one
// the requests went to: set the store's region (store.Options.S3Region)
// or AWS_REGION.
type RegionError struct {
	Bucket string
	Code   string // S3's error code, e.g. "PermanentRedirect"
	Err    error
}

func (e *RegionError) Error() string {
	return fmt.Sprintf("bucket %q is in another region (%s): set the store's region or AWS_REGION: %v", e.Bucket, e.Code, e.Err)
}

func (e *RegionError) Unwrap() error { return e.Err }

// NoCredentialsError says that the AWS SDK found no usable credentials:
// set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a profile
// (store.Options.Profile, AWS_PROFILE). It wraps store.ErrAccessDenied.
type NoCredentialsError struct {
	From string // where they were looked for: "the environment", "profile \"ci\""...
	Err  error  // the SDK's error, in the message only
}

func (e *NoCredentialsError) Error() string {
	return fmt.Sprintf("%v: no usable AWS credentials from %s: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a profile (AWS_PROFILE): %v",
		store.ErrAccessDenied, e.From, e.Err)
}

func (e *NoCredentialsError) Unwrap() error { return store.ErrAccessDenied }

func infoFromHead(name string, size *int64, meta map[string]string, mod *time.Time) store.Info {
	i := store.Info{Name: name, Size: aws.ToInt64(size), ModTime: aws.ToTime(mod)}
	if sha := strings.ToLower(meta[metaSHA256]); store.ValidSHA256(sha) == nil {
		i.SHA256 = sha
	}
	return i
}

func (s *s3Store) Stat(ctx context.Context, name string) (store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return store.Info{}, s.fail("stat", name, err)
	}
	out, err := s.client.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if err != nil {
		return store.Info{}, s.fail("stat", name, s.notFound(ctx, s.key(name), err))
	}
	return infoFromHead(name, out.ContentLength, out.Metadata, out.LastModified), nil
}

// notFound tells a missing bucket, or unknown credentials, from a
// missing object after a HEAD answered 404: a HEAD answer has no body, so
// no error code, and some servers (versitygw) answer 404 to an unknown
// access key. It asks for a one-key listing, whose answer has a code. A
// miss is followed by a build, so the extra request costs nothing that
// matters. When the listing is denied (credentials that may read but not
// list), the object is taken as missing.
func (s *s3Store) notFound(ctx context.Context, key string, err error) error {
	if !errors.Is(s.reason(err), store.ErrNotExist) {
		return err
	}
	_, lerr := s.client.ListObjectsV2(ctx, &s3api.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &key, MaxKeys: aws.Int32(1)})
	var ae smithy.APIError
	if lerr != nil && errors.As(lerr, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket", "InvalidAccessKeyId", "XAdminUserNotFound", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken":
			return lerr
		}
	}
	return err
}

func (s *s3Store) Get(ctx context.Context, name string) (io.ReadCloser, store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return nil, store.Info{}, s.fail("get", name, err)
	}
	out, err := s.client.GetObject(ctx, &s3api.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if err != nil {
		return nil, store.Info{}, s.fail("get", name, err)
	}
	return out.Body, infoFromHead(name, out.ContentLength, out.Metadata, out.LastModified), nil
}

func (s *s3Store) Put(ctx context.Context, name string, r io.Reader, size int64, opts store.PutOptions) (store.Info, error) {
	if err := store.ValidName(name); err != nil {
		return store.Info{}, s.fail("put", name, err)
	}
	if err := store.ValidSHA256(opts.SHA256); err != nil {
		return store.Info{}, s.fail("put", name, err)
	}
	key := s.key(name)
	partSize := s.partSize
	if size > 0 && size/partSize >= int64(manager.MaxUploadParts) {
		partSize = size/int64(manager.MaxUploadParts) + 1
	}
	var meta map[string]string
	if opts.SHA256 != "" {
		meta = map[string]string{metaSHA256: opts.SHA256}
	}
	in := &s3api.PutObjectInput{
		Bucket:   &s.bucket,
		Key:      &key,
		Body:     &backend.CtxReadCloser{Ctx: ctx, R: backend.NewExactReader(r, size)},
		Metadata: meta,
	}
	if opts.ContentType != "" {
		in.ContentType = &opts.ContentType
	}
	prog := backend.NewProgress(opts.Progress, size)
	up := manager.NewUploader(s.client, func(u *manager.Uploader) {
		u.PartSize = partSize
		u.Concurrency = s.concurrency
		// We abort ourselves: the manager aborts with the upload's
		// context, which is already cancelled when the Put was.
		u.LeavePartsOnError = true
		if prog != nil {
			u.ClientOptions = append(u.ClientOptions, func(o *s3api.Options) {
				o.APIOptions = append(o.APIOptions, progressMiddleware(prog))
			})
		}
	})
	start := time.Now()
	out, err := up.Upload(ctx, in)
	if err != nil {
		var mf manager.MultiUploadFailure
		if errors.As(err, &mf) && mf.UploadID() != "" {
			s.abort(ctx, key, mf.UploadID())
		}
		return store.Info{}, s.fail("put", name, err)
	}
	s.log.Debug("uploaded", "url", s.URL(name), "size", size, "parts", len(out.CompletedParts), "elapsed", time.Since(start))
	// The server's own size and time; the digest we sent.
	info, err := s.Stat(ctx, name)
	if err != nil {
		return store.Info{Name: name, Size: size, SHA256: opts.SHA256, ModTime: time.Now()}, nil
	}
	return info, nil
}

func (s *s3Store) abort(ctx context.Context, key, id string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(actx, &s3api.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &key, UploadId: &id})
	if err != nil {
		s.log.Warn("could not abort an incomplete multipart upload; a bucket lifecycle rule reclaims its space",
			"url", "s3://"+s.bucket+"/"+key, "upload_id", id, "err", s.reason(err))
		return
	}
	s.log.Debug("aborted an incomplete multipart upload", "url", "s3://"+s.bucket+"/"+key, "upload_id", id)
}

// progressMiddleware reports each part (or single PutObject) once the
// server has acknowledged it, so the bar shows bytes stored, not bytes
// buffered.
func progressMiddleware(p *backend.Progress) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("clusterpackProgress",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				var body io.Reader
				switch v := in.Parameters.(type) {
				case *s3api.UploadPartInput:
					body = v.Body
				case *s3api.PutObjectInput:
					body = v.Body
				}
				n := int64(-1)
				if sk, ok := body.(io.Seeker); ok {
					if cur, err := sk.Seek(0, io.SeekCurrent); err == nil {
						if end, err := sk.Seek(0, io.SeekEnd); err == nil {
							n = end - cur
						}
						sk.Seek(cur, io.SeekStart)
					}
				}
				out, md, err := next.HandleInitialize(ctx, in)
				if err == nil && n > 0 {
					p.Add(n)
				}
				return out, md, err
			}), middleware.After)
	}
}

func (s *s3Store) List(ctx context.Context, prefix string) ([]store.Info, error) {
	var out []store.Info
	pages := s3api.NewListObjectsV2Paginator(s.client, &s3api.ListObjectsV2Input{
		Bucket: &s.bucket,
		Prefix: aws.String(s.prefix + prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list", prefix, err)
		}
		for _, o := range page.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if store.ValidName(name) != nil {
				continue // directory markers, keys no Put could have made
			}
			out = append(out, store.Info{Name: name, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)})
		}
	}
	// A listing has no user metadata: one HEAD per object for the digest,
	// a few at a time.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make([]error, len(out))
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			h, err := s.client.HeadObject(ctx, &s3api.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(out[i].Name))})
			if err != nil {
				if !errors.Is(s.reason(err), store.ErrNotExist) {
					errs[i] = err
				}
				return
			}
			out[i] = infoFromHead(out[i].Name, h.ContentLength, h.Metadata, h.LastModified)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, s.fail("list", prefix, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
