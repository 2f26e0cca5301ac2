package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go/logging"

	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/internal/backend"
)

// The AWS configuration of a store: its endpoint, its credential chain and
// its region, in one place for the store and for the other S3 clients a
// job runs with (the spark.hadoop.fs.s3a.* and s3.* settings that
// spark-args and flink-args print).

// Endpoint returns the S3 endpoint URL of a store opened with opts, as
// given: opts.S3Endpoint, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL
// (through opts.Getenv). "" means AWS's own endpoints. Open checks it is
// an http:// or https:// URL and drops user info from it; Endpoint
// returns it unchanged.
func Endpoint(opts store.Options) string {
	if opts.S3Endpoint != "" {
		return opts.S3Endpoint
	}
	getenv := backend.Getenv(opts)
	for _, k := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if e := getenv(k); e != "" {
			return e
		}
	}
	return ""
}

// Config is the AWS configuration of a store opened with the same
// store.Options: the credential chain of the package documentation and
// the region.
type Config struct {
	// Region is opts.S3Region, else AWS_REGION, else AWS_DEFAULT_REGION,
	// else the profile's region; "" when none is set (the store then
	// uses us-east-1).
	Region string

	aws       aws.Config
	credsFrom string // for messages: where credentials come from
}

// Credentials are what an S3 client signs its requests with.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// LoadConfig loads the AWS configuration a store opened with opts uses,
// for S3 clients other than the store's. It reads the shared config and
// credentials files and sends nothing; its errors are the AWS SDK's.
func LoadConfig(ctx context.Context, opts store.Options) (*Config, error) {
	c, err := loadConfig(ctx, opts, backend.Logger(opts.Logger))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Credentials retrieves the credentials of the chain, as the store's
// first request would (which may ask SSO, STS or an instance role).
func (c *Config) Credentials(ctx context.Context) (Credentials, error) {
	if c.aws.Credentials == nil {
		return Credentials{}, errors.New("no credential provider in the AWS configuration")
	}
	v, err := c.aws.Credentials.Retrieve(ctx)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken}, nil
}

// loadConfig builds the configuration of opts. The Config it returns is
// never nil: on an error its credsFrom still says which credentials were
// being loaded.
func loadConfig(ctx context.Context, opts store.Options, log *slog.Logger) (*Config, error) {
	getenv := backend.Getenv(opts)
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = defaultAttempts
	}
	c := &Config{}
	profile := opts.Profile
	if profile == "" {
		profile = getenv("AWS_PROFILE")
	}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.RateLimiter = ratelimit.None
				// 429 is throttling too (S3-compatible servers and
				// proxies send it); the SDK does not retry it by default.
				o.Retryables = append(o.Retryables, retry.RetryableHTTPStatusCode{
					Codes: map[int]struct{}{http.StatusTooManyRequests: {}},
				})
			})
		}),
		config.WithLogger(logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			log.Debug(fmt.Sprintf(format, v...), "store", "s3", "class", string(c))
		})),
		config.WithClientLogMode(aws.LogRetries),
	}
	c.credsFrom = "the default AWS credential chain (environment, profile \"default\", instance role)"
	if profile != "" {
		load = append(load, config.WithSharedConfigProfile(profile))
		c.credsFrom = fmt.Sprintf("profile %q", profile)
	}
	if f := getenv("AWS_CONFIG_FILE"); f != "" {
		load = append(load, config.WithSharedConfigFiles([]string{f}))
	}
	if f := getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		load = append(load, config.WithSharedCredentialsFiles([]string{f}))
	}
	if ak, sk := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); ak != "" && sk != "" && opts.Profile == "" {
		load = append(load, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(ak, sk, getenv("AWS_SESSION_TOKEN"))))
		c.credsFrom = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	}
	if strings.EqualFold(getenv("AWS_EC2_METADATA_DISABLED"), "true") {
		load = append(load, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	region := opts.S3Region
	if region == "" {
		region = getenv("AWS_REGION")
	}
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region != "" {
		load = append(load, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return c, err
	}
	c.aws, c.Region = cfg, cfg.Region
	return c, nil
}
