package edge

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// tiny has limits small enough to reach in a few requests.
var tiny = ory.Tier{Name: "tiny", Limits: map[ory.Bucket]ory.Limit{
	ory.BucketAdminLow:    {PerMinute: 5, PerSecond: 2},
	ory.BucketAdminMedium: {PerMinute: 3, PerSecond: 3},
	ory.BucketAdminHigh:   {PerMinute: 10, PerSecond: 10},
}}

// fakeClock is the rate windows' clock, moved by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// backend answers 200 "ok from <name>" and records the Authorization it got.
// A request whose path ends in /block waits until release is closed.
type backend struct {
	*httptest.Server
	release chan struct{}
	arrived chan string

	mu   sync.Mutex
	auth []string
}

func startBackend(t *testing.T, name string) *backend {
	t.Helper()
	b := &backend{release: make(chan struct{}), arrived: make(chan string, 10)}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.auth = append(b.auth, r.Header.Get("Authorization"))
		b.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/block") || r.URL.Query().Has("block") {
			b.arrived <- r.Method + " " + r.URL.Path
			<-b.release
		}
		_, _ = io.WriteString(w, "ok from "+name)
	}))
	t.Cleanup(b.Close)
	return b
}

type testEdge struct {
	*Edge
	clock  *fakeClock
	client *http.Client
}

// startEdge starts an edge over a backend, with a client that trusts its CA.
func startEdge(t *testing.T, tier ory.Tier, admin, public string) *testEdge {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	e, err := Start(Options{Admin: admin, Public: public, Tier: tier, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return &testEdge{Edge: e, clock: clock, client: clientTrusting(t, e.CAFile())}
}

func clientTrusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			t.Fatalf("%s holds no certificate", caFile)
		}
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

type answer struct {
	status                    int
	body                      string
	limit, remaining, reset   string
	retryAfter, contentLength string
}

// do sends a request, with the edge's key unless key says otherwise ("-"
// for none).
func (e *testEdge) do(t *testing.T, method, path, key string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	switch key {
	case "":
		req.Header.Set("Authorization", "Bearer "+e.Key())
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	return answer{
		status: resp.StatusCode, body: string(b),
		limit: h.Get("X-Ratelimit-Limit"), remaining: h.Get("X-Ratelimit-Remaining"), reset: h.Get("X-Ratelimit-Reset"),
		retryAfter: h.Get("Retry-After"), contentLength: h.Get("Content-Length"),
	}
}

// The fixed windows refuse once full, count neither refused requests nor
// other buckets' requests, and admit again when they end; every answer says
// so in its headers.
func TestEdge_windows(t *testing.T) {
	t.Parallel()
	type step struct {
		advance          time.Duration // before the request
		method, path     string
		status           int
		remaining, reset string
	}
	write := func(advance time.Duration, status int, remaining, reset string) step {
		return step{advance, http.MethodDelete, "/admin/identities/a", status, remaining, reset}
	}
	cases := []struct {
		name  string
		limit string
		steps []step
	}{
		{
			name:  "per second (low: 2/s, 5/min)",
			limit: "2, 2;w=1, 5;w=60",
			steps: []step{
				write(0, 200, "1", "0"),
				write(0, 200, "0", "0"),
				write(999*time.Millisecond, 429, "0", "0"),
				write(time.Millisecond, 200, "1", "0"), // a new second
				write(0, 200, "0", "0"),
				// The minute window has 1 left; the 1 s window none: the 1 s
				// window speaks.
				write(500*time.Millisecond, 429, "0", "0"),
			},
		},
		{
			name:  "per minute (low: 2/s, 5/min)",
			limit: "2, 2;w=1, 5;w=60",
			steps: []step{
				write(0, 200, "1", "0"),
				write(0, 200, "0", "0"),
				write(time.Second, 200, "1", "0"),
				write(0, 200, "0", "0"),
				// The last of the minute: both at 0, the minute speaks:
				// 57.5 s left, truncated.
				write(1500*time.Millisecond, 200, "0", "57"),
				write(time.Second, 429, "0", "56"),
				write(50*time.Second, 429, "0", "6"),
				write(6*time.Second, 429, "0", "0"), // 0.5 s left
				write(500*time.Millisecond, 200, "1", "0"),
			},
		},
		{
			name:  "buckets apart (medium: 3/s, 3/min)",
			limit: "3, 3;w=1, 3;w=60",
			steps: []step{
				{0, http.MethodGet, "/admin/identities", 200, "2", "60"},
				{0, http.MethodGet, "/schemas", 200, "1", "60"},
				{0, http.MethodGet, "/admin/identities", 200, "0", "60"},
				{0, http.MethodGet, "/admin/identities", 429, "0", "60"},
				// Other buckets have their own windows.
				write(0, 200, "1", "0"),
				{60 * time.Second, http.MethodGet, "/admin/identities", 200, "2", "60"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startEdge(t, tiny, startBackend(t, "admin").URL, "")
			for i, s := range tc.steps {
				e.clock.advance(s.advance)
				got := e.do(t, s.method, s.path, "")
				want := answer{status: s.status, limit: tc.limit, remaining: s.remaining, reset: s.reset, body: "ok from admin"}
				if s.method == http.MethodDelete {
					want.limit = "2, 2;w=1, 5;w=60"
				}
				if s.status == http.StatusTooManyRequests {
					want.body, want.contentLength = "", "0"
				} else {
					got.contentLength = ""
				}
				if got != want {
					t.Errorf("step %d: %s %s: got %+v, want %+v", i, s.method, s.path, got, want)
				}
			}
		})
	}
}

// A OneAtATime path is refused while the same method and path is being
// forwarded, and only then; the refusal does not count in the windows.
func TestEdge_inflight(t *testing.T) {
	t.Parallel()
	b := startBackend(t, "admin")
	e := startEdge(t, ory.Tiers[1], b.URL, "") // production
	blocked := make(chan answer)
	go func() { blocked <- e.do(t, http.MethodPost, "/admin/identities?block", "") }()
	<-b.arrived

	cases := []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/admin/identities", 429},
		{http.MethodPatch, "/admin/identities", 200},   // another method
		{http.MethodPut, "/admin/identities/x", 200},   // another path
		{http.MethodGet, "/admin/identities", 200},     // not a write
		{http.MethodPost, "/admin/identities", 429},    // still in flight
		{http.MethodPost, "/admin/recovery/code", 200}, // a write, but not one at a time
		{http.MethodDelete, "/admin/identities/x/sessions", 200},
	}
	for _, c := range cases {
		got := e.do(t, c.method, c.path, "")
		if got.status != c.status {
			t.Errorf("while POST /admin/identities is in flight, %s %s: HTTP %d, want %d", c.method, c.path, got.status, c.status)
		}
		if c.status == 429 && (got.body != "" || got.retryAfter != "" || got.limit != "8, 8;w=1, 175;w=60") {
			t.Errorf("inflight 429: body %q, Retry-After %q, limit %q; want empty, none, the low bucket's", got.body, got.retryAfter, got.limit)
		}
	}
	close(b.release)
	if got := <-blocked; got.status != 200 || got.remaining != "7" {
		t.Errorf("the blocked POST: HTTP %d, remaining %s; want 200, 7", got.status, got.remaining)
	}
	// Answered, the path is free again; the two refusals took no room:
	// 1 + 4 writes before.
	if got := e.do(t, http.MethodPost, "/admin/identities", ""); got.status != 200 || got.remaining != "2" {
		t.Errorf("POST after the first was answered: HTTP %d, remaining %s; want 200, 2", got.status, got.remaining)
	}
	c := e.Take()
	low := c.Buckets[ory.BucketAdminLow]
	if want := (BucketCounts{Requests: 8, Forwarded: 6, Inflight: 2}); low != want {
		t.Errorf("low bucket counts %+v, want %+v", low, want)
	}
	if c.Requests != 9 || c.Inflight() != 2 || c.RateLimited() != 0 || c.TooMany() != 2 {
		t.Errorf("counts %v: want 9 requests, 2 answered 429 for inflight", c)
	}
}

// Admin calls need the key; Ory Network's public paths do not, and /schemas
// still counts. The key is not passed on.
func TestEdge_key(t *testing.T) {
	t.Parallel()
	admin, public := startBackend(t, "admin"), startBackend(t, "public")
	e := startEdge(t, tiny, admin.URL, public.URL)
	cases := []struct {
		name, method, path, key string
		status                  int
		body, limit             string
	}{
		{"no key", http.MethodGet, "/admin/identities", "-", 401, unauthorizedBody, ""},
		{"wrong key", http.MethodDelete, "/admin/identities/a", "ory_pat_wrong", 401, unauthorizedBody, ""},
		{"no key, outside the buckets", http.MethodGet, "/admin/version", "-", 401, unauthorizedBody, ""},
		{"the key", http.MethodGet, "/admin/identities", "", 200, "ok from admin", "3, 3;w=1, 3;w=60"},
		{"schemas, no key", http.MethodGet, "/schemas/email", "-", 200, "ok from public", "3, 3;w=1, 3;w=60"},
		{"self-service, no key", http.MethodGet, "/self-service/login/api", "-", 200, "ok from public", ""},
		{"whoami, wrong key", http.MethodGet, "/sessions/whoami", "nope", 200, "ok from public", ""},
	}
	for _, c := range cases {
		got := e.do(t, c.method, c.path, c.key)
		if got.status != c.status || got.body != c.body || got.limit != c.limit {
			t.Errorf("%s: %s %s: HTTP %d %q, limit %q; want %d %q, limit %q", c.name, c.method, c.path, got.status, got.body, got.limit, c.status, c.body, c.limit)
		}
	}
	for _, auth := range append(admin.auth, public.auth...) {
		if auth != "" {
			t.Errorf("Kratos got Authorization %q, want none", auth)
		}
	}
	if c := e.Take(); c.Requests != len(cases) || c.Unauthorized != 3 {
		t.Errorf("counts %v: want %d requests, 3 answered 401", c, len(cases))
	}
}

// HTTPS with a certificate from the edge's CA: trusted with the CA file,
// refused without it.
func TestEdge_tls(t *testing.T) {
	t.Parallel()
	e := startEdge(t, tiny, startBackend(t, "admin").URL, "")
	if !strings.HasPrefix(e.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %q, want https://127.0.0.1:PORT", e.URL())
	}
	if got := e.do(t, http.MethodGet, "/admin/identities", ""); got.status != 200 {
		t.Errorf("with the CA: HTTP %d, want 200", got.status)
	}
	_, err := clientTrusting(t, "").Get(e.URL() + "/health/alive")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("without the CA: %v, want an unknown authority error", err)
	}
	e.Close()
	if _, err := os.Stat(e.CAFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the CA file after Close: %v, want removed", err)
	}
}

func TestEdge_plainHTTP(t *testing.T) {
	t.Parallel()
	e, err := Start(Options{Admin: startBackend(t, "admin").URL, Tier: tiny, PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if !strings.HasPrefix(e.URL(), "http://") || e.CAFile() != "" {
		t.Fatalf("URL %q, CA %q; want http:// and none", e.URL(), e.CAFile())
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL()+"/admin/identities", nil)
	req.Header.Set("Authorization", "Bearer "+e.Key())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("HTTP %d, want 200", resp.StatusCode)
	}
}

func TestBound(t *testing.T) {
	t.Parallel()
	production := ory.Tiers[1].Limits
	cases := []struct {
		name  string
		limit ory.Limit
		n     int
		want  time.Duration
	}{
		{"none", production[ory.BucketAdminLow], 0, 0},
		{"one", production[ory.BucketAdminLow], 1, 0},
		{"a full second", production[ory.BucketAdminLow], 8, 0},
		{"one more", production[ory.BucketAdminLow], 9, time.Second},
		{"a full minute", production[ory.BucketAdminLow], 175, 21 * time.Second},
		{"one more than a minute", production[ory.BucketAdminLow], 176, time.Minute},
		{"1,000 writes on production", production[ory.BucketAdminLow], 1000, 315 * time.Second},
		{"seconds bind, not minutes", ory.Limit{PerMinute: 1000, PerSecond: 5}, 301, time.Minute},
		{"no limit", ory.Limit{}, 10, 0},
	}
	for _, c := range cases {
		if got := Bound(c.limit, c.n); got != c.want {
			t.Errorf("%s: Bound(%+v, %d) = %s, want %s", c.name, c.limit, c.n, got, c.want)
		}
	}
	counts := Counts{Buckets: map[ory.Bucket]BucketCounts{
		ory.BucketAdminLow:    {Requests: 20, Forwarded: 9},  // 1 s
		ory.BucketAdminMedium: {Requests: 91, Forwarded: 91}, // 60 s
	}}
	if got := counts.Bound(ory.Tiers[1]); got != time.Minute {
		t.Errorf("a phase's bound = %s, want the largest bucket's, 1m0s", got)
	}
}
