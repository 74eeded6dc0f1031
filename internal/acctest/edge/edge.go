// Package edge simulates Ory Network's edge in front of the test Kratos:
// the per-bucket rate limits of a tier (internal/ory's table), the inflight
// rule, the API key check and HTTPS, as Ory's docs describe them. The
// acceptance tests and `make bench` put it between the provider and Kratos.
//
// It is a package of its own, not part of acctest, because internal/ory's
// own tests import acctest and the edge imports internal/ory.
package edge

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// unauthorizedBody is Ory Network's answer to a missing or wrong key.
const unauthorizedBody = `{"error":{"code":401,"status":"Unauthorized","message":"The request could not be authorized"}}`

// publicPrefixes are the paths Ory Network serves without an API key.
var publicPrefixes = []string{"/self-service/", "/sessions/whoami", "/.well-known/", "/health/", "/schemas"}

func isPublic(path string) bool {
	for _, p := range publicPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// Options configure Start.
type Options struct {
	// Admin is the base URL of Kratos's admin API.
	Admin string
	// Public is the base URL of Kratos's public API, where the public paths
	// (self-service, /schemas) go, as Ory Network serves both APIs on one
	// host; "" sends them to Admin.
	Public string
	// Tier gives each bucket's limits.
	Tier ory.Tier
	// Key is the project API key the edge accepts; "" makes one up.
	Key string
	// PlainHTTP serves HTTP instead of HTTPS, for clients that can not be
	// told to trust the edge's CA.
	PlainHTTP bool
	// Now is the clock of the rate windows; nil is time.Now.
	Now func() time.Time
}

// Edge is a running simulated edge on 127.0.0.1. One edge is one project.
type Edge struct {
	opts      Options
	url       string
	dir       string // holds the CA file
	caFile    string
	srv       *http.Server
	transport *http.Transport
	proxy     *httputil.ReverseProxy

	mu       sync.Mutex
	buckets  map[ory.Bucket]*bucketWindows
	inflight map[string]bool // "METHOD /path" being forwarded
	counts   Counts
}

// bucketWindows are one bucket's two fixed windows.
type bucketWindows struct{ second, minute window }

// window is a fixed window: it starts with the first request that arrives
// after the previous one ended.
type window struct {
	length time.Duration
	limit  int
	start  time.Time
	used   int
}

func (w *window) roll(now time.Time) {
	if w.start.IsZero() || !now.Before(w.start.Add(w.length)) {
		w.start, w.used = now, 0
	}
}

func (w *window) remaining() int { return w.limit - w.used }

// resetIn is the whole seconds until the window ends, truncated: which is
// why Ory's 1 s window always says 0.
func (w *window) resetIn(now time.Time) int {
	return int(w.start.Add(w.length).Sub(now) / time.Second)
}

// Start starts an edge in front of opts.Admin; Close stops it.
func Start(opts Options) (*Edge, error) {
	admin, err := parseBase(opts.Admin)
	if err != nil {
		return nil, err
	}
	public := admin
	if opts.Public != "" {
		if public, err = parseBase(opts.Public); err != nil {
			return nil, err
		}
	}
	if len(opts.Tier.Limits) == 0 {
		return nil, fmt.Errorf("edge: tier %q has no limits", opts.Tier.Name)
	}
	if opts.Key == "" {
		opts.Key = "ory_pat_edge" + randomHex(16)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Edge{
		opts:     opts,
		buckets:  map[ory.Bucket]*bucketWindows{},
		inflight: map[string]bool{},
		counts:   Counts{Buckets: map[ory.Bucket]BucketCounts{}},
		// Kratos is on loopback: never through a proxy from the environment.
		transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, DisableCompression: true},
	}
	e.proxy = &httputil.ReverseProxy{
		Transport: e.transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			target := admin
			if isPublic(pr.In.URL.Path) {
				target = public
			}
			pr.SetURL(target)
			// The project's key stays at the edge.
			pr.Out.Header.Del("Authorization")
		},
	}
	var tlsConfig *tls.Config
	if !opts.PlainHTTP {
		if e.dir, err = os.MkdirTemp("", "tf-ory-edge-"); err != nil {
			return nil, err
		}
		cert, caFile, err := newServerCert(e.dir)
		if err != nil {
			_ = os.RemoveAll(e.dir)
			return nil, err
		}
		e.caFile = caFile
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = os.RemoveAll(e.dir)
		return nil, err
	}
	e.url = "http://" + ln.Addr().String()
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		e.url = "https://" + ln.Addr().String()
	}
	// A client that does not trust the CA is a test's point, not news.
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("edge: %q is not a scheme://host:port URL", raw)
	}
	return u, nil
}

// URL is the edge's base URL, https://127.0.0.1:PORT (http:// with PlainHTTP).
func (e *Edge) URL() string { return e.url }

// Key is the project API key the edge accepts.
func (e *Edge) Key() string { return e.opts.Key }

// CAFile is the PEM file of the CA that signed the edge's certificate, for
// the provider's ca_cert_file; "" with PlainHTTP.
func (e *Edge) CAFile() string { return e.caFile }

// Tier is the tier whose limits the edge applies.
func (e *Edge) Tier() ory.Tier { return e.opts.Tier }

// Close stops the edge and removes its CA file.
func (e *Edge) Close() {
	_ = e.srv.Close()
	e.transport.CloseIdleConnections()
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
	}
}

// Take returns the counts since the last Take and starts counting anew.
func (e *Edge) Take() Counts {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.counts
	c.Buckets = maps.Clone(c.Buckets)
	e.counts = Counts{Buckets: map[ory.Bucket]BucketCounts{}}
	return c
}

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isPublic(r.URL.Path) && r.Header.Get("Authorization") != "Bearer "+e.opts.Key {
		e.mu.Lock()
		e.counts.Requests++
		e.counts.Unauthorized++
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(unauthorizedBody))
		return
	}
	bucket := ory.BucketOf(r.Method, r.URL.Path)
	if bucket != "" {
		admitted, release := e.admit(bucket, r.Method, r.URL.Path, w.Header())
		if !admitted {
			// As Ory's: an empty body and no Retry-After.
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		defer release()
	} else {
		e.mu.Lock()
		e.counts.Requests++
		e.mu.Unlock()
	}
	e.proxy.ServeHTTP(w, r)
}

// admit applies the inflight rule and the bucket's windows to a request,
// counts it and sets the rate-limit headers. An admitted request must call
// release once it has been answered.
func (e *Edge) admit(bucket ory.Bucket, method, path string, h http.Header) (admitted bool, release func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	b := e.buckets[bucket]
	if b == nil {
		l := e.opts.Tier.Limits[bucket]
		b = &bucketWindows{second: window{length: time.Second, limit: l.PerSecond}, minute: window{length: time.Minute, limit: l.PerMinute}}
		e.buckets[bucket] = b
	}
	b.second.roll(now)
	b.minute.roll(now)
	key := method + " " + path
	oneAtATime := ory.OneAtATime(method, path)
	c := e.counts.Buckets[bucket]
	c.Requests++
	e.counts.Requests++
	switch {
	case oneAtATime && e.inflight[key]:
		c.Inflight++
	case b.second.remaining() <= 0 || b.minute.remaining() <= 0:
		c.RateLimited++
	default:
		admitted = true
		c.Forwarded++
		b.second.used++
		b.minute.used++
	}
	e.counts.Buckets[bucket] = c
	setRateHeaders(h, b, now)
	if !admitted {
		return false, nil
	}
	if !oneAtATime {
		return true, func() {}
	}
	e.inflight[key] = true
	return true, func() {
		e.mu.Lock()
		delete(e.inflight, key)
		e.mu.Unlock()
	}
}

// setRateHeaders writes the x-ratelimit headers as Ory's edge does. On a
// tie the minute window speaks: it is the one that holds a client back.
func setRateHeaders(h http.Header, b *bucketWindows, now time.Time) {
	h.Set("X-Ratelimit-Limit", fmt.Sprintf("%d, %d;w=1, %d;w=60", b.second.limit, b.second.limit, b.minute.limit))
	remaining, reset := b.second.remaining(), 0
	if m := b.minute.remaining(); m <= remaining {
		remaining, reset = m, b.minute.resetIn(now)
	}
	h.Set("X-Ratelimit-Remaining", fmt.Sprint(max(remaining, 0)))
	h.Set("X-Ratelimit-Reset", fmt.Sprint(reset))
}
