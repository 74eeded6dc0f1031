// Package ory is the provider's only door to the Ory API: one do() (api.go)
// makes every call, retries what may be retried and turns failures into typed
// errors (ErrNotFound, ErrConflict, ...); github.com/ory/client-go's types
// describe request bodies only.
package ory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for the provider block's optional settings.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 5
	// DefaultRateLimitWait lets a call wait out a few of Ory Network's
	// one-minute windows: long enough for any tier's pacing, short enough
	// that a run against a limit that does not lift fails in minutes.
	DefaultRateLimitWait = 5 * time.Minute
)

// Config configures a Client.
type Config struct {
	// URL is a Kratos admin URL or an Ory Network project URL.
	URL string
	// APIKey is sent as a Bearer token when set (Ory Network).
	APIKey string
	// APIKeySource says where APIKey came from for errors: "api_key" or an
	// environment variable's name; "" when no key was set.
	APIKeySource string
	// RequestTimeout bounds the wait for each answer; 0 means the default.
	RequestTimeout time.Duration
	// MaxRetries bounds the retries of one call, except after 429s;
	// negative means none.
	MaxRetries int
	// RateLimitWait bounds how long one call waits for rate limits (pacing
	// and 429s); 0 means DefaultRateLimitWait.
	RateLimitWait time.Duration
	// RootCAs, when set, are the roots trusted for the API's TLS
	// (LoadCACertFile); nil means the system's.
	RootCAs   *x509.CertPool
	UserAgent string
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// MinBackoff and MaxBackoff bound the wait between retries; 0 means 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
}

// Client talks to one Ory API. It is safe for concurrent use and keeps its
// connections alive for the whole run.
type Client struct {
	base string
	// host and keySource name the API and its key in errors.
	host      string
	keySource string
	http      *http.Client
	policy    *retryPolicy
	reads     readBatcher
	creates   createBatcher
	schemas   schemaCache
	version   serverVersionCache
}

// ParseURL checks that raw is an absolute http(s) URL without query or
// fragment and returns it without a trailing slash.
func ParseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%q is not a URL (%w); it must start with http:// or https://", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q must not have a query or fragment", raw)
	}
	if u.Scheme != "https" && isOryNetworkHost(u.Hostname()) {
		return "", fmt.Errorf("%q is on Ory Network, which answers only https: use https://%s", raw, u.Host+strings.TrimRight(u.Path, "/"))
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// IsOryNetwork reports whether base is an Ory Network project URL.
func IsOryNetwork(base string) bool {
	u, err := url.Parse(base)
	return err == nil && isOryNetworkHost(u.Hostname())
}

func isOryNetworkHost(host string) bool {
	return strings.HasSuffix(strings.ToLower(host), ".oryapis.com")
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	base, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.RateLimitWait <= 0 {
		cfg.RateLimitWait = DefaultRateLimitWait
	}
	next := cfg.Transport
	if next == nil {
		next = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			TLSClientConfig:       &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
			ResponseHeaderTimeout: cfg.RequestTimeout,
		}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-ory"
	}

	policy := &retryPolicy{
		maxRetries:    cfg.MaxRetries,
		minBackoff:    cfg.MinBackoff,
		maxBackoff:    cfg.MaxBackoff,
		rateLimitWait: cfg.RateLimitWait,
		now:           time.Now,
		sleep:         sleepContext,
	}
	host, _ := url.Parse(base)
	pace := newPacer(policy)
	hc := &http.Client{Transport: &retryTransport{
		next:      next,
		apiKey:    cfg.APIKey,
		apiHost:   host.Host,
		userAgent: cfg.UserAgent,
		policy:    policy,
		pacer:     pace,
		paths:     &inflightPaths{},
	}}
	out := &Client{base: base, host: host.Host, keySource: cfg.APIKeySource, http: hc, policy: policy}
	out.reads = readBatcher{c: out, limited: pace.limited,
		gatherer: gatherer[string, readResult]{window: batchWindow, max: idsPerRequest,
			ready: func(ctx context.Context) {
				// A refusal here is the request's to report, when it is sent.
				_ = pace.waitForShare(ctx, BucketAdminMedium, policy.now().Add(policy.rateLimitWait))
			}}}
	out.creates = createBatcher{c: out, gatherer: gatherer[*createItem, struct{}]{window: batchWindow, max: maxCreatesPerBatch, serial: true,
		ready: func(ctx context.Context) {
			// A refusal here is the request's to report, when it is sent.
			_ = pace.waitForRoom(ctx, BucketAdminLow, policy.now().Add(policy.rateLimitWait))
		},
		refill: func() time.Duration {
			// Where every write counts against a rate limit, a full batch
			// is worth more than the few milliseconds it waits for.
			if pace.limited() {
				return createRefill
			}
			return 0
		}}}
	return out, nil
}

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
