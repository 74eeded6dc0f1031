package ory

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// A fake server stands in for faults Kratos can not be made to produce on
// demand: rate limits, gateway errors and dropped connections.

// sleeps is a Client's clock in tests: it records the waits a Client would
// have slept, instead of sleeping, and moves its time on by them.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
	clock time.Time
	// then, when set, runs after a wait is recorded: tests that need a real,
	// cancellable wait use it.
	then func(ctx context.Context, d time.Duration) error
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.clock = s.clock.Add(d)
	then := s.then
	s.mu.Unlock()
	if then != nil {
		return then(ctx, d)
	}
	return ctx.Err()
}

func (s *sleeps) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

const (
	testMinBackoff = 100 * time.Millisecond
	testMaxBackoff = 10 * time.Second
	testMaxRetries = 3
)

// newTestClient returns a Client for url whose waits are recorded, not
// slept: 3 retries, backoff from 100ms, capped at 10s. configure, when
// given, changes the Config first.
func newTestClient(t *testing.T, url, apiKey string, configure ...func(*Config)) (*Client, *sleeps) {
	t.Helper()
	cfg := Config{URL: url, APIKey: apiKey, MaxRetries: testMaxRetries, MinBackoff: testMinBackoff, MaxBackoff: testMaxBackoff}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{clock: time.Now()}
	// The transport, its pacer and the write's resend loop share one
	// policy: every wait goes through this hook.
	if rt := c.http.Transport.(*retryTransport); rt.policy != c.policy || rt.pacer.policy != c.policy {
		t.Fatal("the transport, its pacer and the client do not share one retry policy")
	}
	c.policy.sleep, c.policy.now = s.sleep, s.now
	return c, s
}

// within reports whether d lies in [lo, hi].
func within(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

// backoffRange is the range backoff(attempt) draws from.
func backoffRange(attempt int) (time.Duration, time.Duration) {
	hi := testMinBackoff << attempt
	return hi / 2, hi
}

type recorder struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
}

func (r *recorder) record(req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, string(b))
	r.auth = append(r.auth, req.Header.Get("Authorization"))
}

func (r *recorder) attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

// answers serves the given answers in turn, then a valid identity.
func answers(rec *recorder, statuses ...func(w http.ResponseWriter)) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		if i < len(statuses) {
			statuses[i](w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b","schema_id":"email","schema_url":"http://x/schemas/email","traits":{"email":"a@example.com"},"state":"active"}`)
	}
}

func status(code int, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func dropConnection(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestRetryHonoursRetryAfterAndReplaysBody(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := httptest.NewServer(answers(rec, status(429, "Retry-After", "2"), status(503)))
	defer srv.Close()
	c, slept := newTestClient(t, srv.URL, "ory_pat_secret")

	_, err := c.UpdateIdentity(context.Background(), "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b", IdentityInput{SchemaID: "email", Traits: map[string]any{"email": "a@example.com"}})
	if err != nil {
		t.Fatalf("update after a 429 and a 503: %v", err)
	}
	if len(rec.bodies) != 3 {
		t.Fatalf("attempts = %d, want 3", len(rec.bodies))
	}
	for i, b := range rec.bodies {
		if b == "" || b != rec.bodies[0] {
			t.Errorf("attempt %d sent body %q, want the first body %q again", i, b, rec.bodies[0])
		}
		if rec.auth[i] != "Bearer ory_pat_secret" {
			t.Errorf("attempt %d sent Authorization %q", i, rec.auth[i])
		}
	}
	waits := slept.all()
	if len(waits) != 2 {
		t.Fatalf("waits = %v, want 2", waits)
	}
	if waits[0] != 2*time.Second {
		t.Errorf("wait after 429 with Retry-After: 2 = %s, want 2s", waits[0])
	}
	// The 503 was the second attempt.
	if lo, hi := backoffRange(1); !within(waits[1], lo, hi) {
		t.Errorf("backoff after the second attempt = %s, want within [%s, %s]", waits[1], lo, hi)
	}
}

func TestRetryIsBoundedAndExponential(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	always := make([]func(http.ResponseWriter), 10)
	for i := range always {
		always[i] = status(502)
	}
	srv := httptest.NewServer(answers(rec, always...))
	defer srv.Close()
	c, slept := newTestClient(t, srv.URL, "")

	_, err := c.GetIdentity(context.Background(), "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b")
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v, want ErrServer after the retries", err)
	}
	if rec.attempts() != 1+testMaxRetries {
		t.Fatalf("attempts = %d, want 1 + %d retries", rec.attempts(), testMaxRetries)
	}
	if rec.auth[0] != "" {
		t.Errorf("Authorization sent without an API key: %q", rec.auth[0])
	}
	waits := slept.all()
	if len(waits) != testMaxRetries {
		t.Fatalf("waits = %v, want %d", waits, testMaxRetries)
	}
	// Exponential: each wait's upper bound doubles.
	for i, d := range waits {
		if lo, hi := backoffRange(i); !within(d, lo, hi) {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, d, lo, hi)
		}
	}
}

func TestBackoffIsCapped(t *testing.T) {
	t.Parallel()
	p := &retryPolicy{minBackoff: testMinBackoff, maxBackoff: testMaxBackoff}
	for _, attempt := range []int{7, 8, 20, 63, 100} {
		if d := p.backoff(attempt); !within(d, testMaxBackoff/2, testMaxBackoff) {
			t.Errorf("backoff(%d) = %s, want within [%s, %s]", attempt, d, testMaxBackoff/2, testMaxBackoff)
		}
	}
}

// cutBody sends a status line promising more body than it sends, then closes.
func cutBody(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "200")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id":"7c0e3b5e`)
	w.(http.Flusher).Flush()
	dropConnection(w)
}

// A read whose answer was lost, before or in the middle of its body, is
// simply read again.
func TestRetryLostAnswerToRead(t *testing.T) {
	t.Parallel()
	for name, lose := range map[string]func(http.ResponseWriter){"connection dropped": dropConnection, "body cut off": cutBody} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			srv := httptest.NewServer(answers(rec, lose))
			defer srv.Close()
			c, _ := newTestClient(t, srv.URL, "")

			got, err := c.GetIdentity(context.Background(), "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b")
			if err != nil {
				t.Fatalf("read after a lost answer: %v", err)
			}
			if got.ID != "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b" {
				t.Errorf("id = %q", got.ID)
			}
			if rec.attempts() != 2 {
				t.Fatalf("attempts = %d, want 2", rec.attempts())
			}
		})
	}
}

// A connection that could not be opened carried nothing: a write is sent
// again without a lookup, and the retries stay bounded.
func TestRetryConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, slept := newTestClient(t, url, "")

	_, err := c.CreateIdentity(context.Background(), IdentityInput{SchemaID: "email", Traits: map[string]any{"email": "a@example.com"}})
	if err == nil {
		t.Fatal("create against a closed port succeeded")
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v: a refused connection was taken for a lost answer", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("err = %v, want the refused connection as the cause", err)
	}
	if waits := slept.all(); len(waits) != testMaxRetries {
		t.Errorf("waits = %v, want %d retries", waits, testMaxRetries)
	}
}

func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	cases := []struct {
		method string
		status int
		err    error
		want   outcomeKind
	}{
		{http.MethodPost, 201, nil, outcomeFinal},
		{http.MethodPost, 400, nil, outcomeFinal},
		{http.MethodPost, 409, nil, outcomeFinal},
		{http.MethodPost, 500, nil, outcomeFinal},
		{http.MethodPost, 429, nil, outcomeNotProcessed},
		{http.MethodPost, 503, nil, outcomeNotProcessed},
		{http.MethodPost, 502, nil, outcomeUnknown},
		{http.MethodPost, 504, nil, outcomeUnknown},
		{http.MethodPut, 504, nil, outcomeUnknown},
		{http.MethodPatch, 502, nil, outcomeUnknown},
		{http.MethodDelete, 504, nil, outcomeUnknown},
		{http.MethodGet, 502, nil, outcomeNotProcessed},
		{http.MethodGet, 504, nil, outcomeNotProcessed},
		{http.MethodHead, 504, nil, outcomeNotProcessed},
		{http.MethodGet, 404, nil, outcomeFinal},
		{http.MethodPost, 0, dial, outcomeNotProcessed},
		{http.MethodPost, 0, reset, outcomeUnknown},
		{http.MethodPost, 0, io.EOF, outcomeUnknown},
		{http.MethodDelete, 0, io.ErrUnexpectedEOF, outcomeUnknown},
		{http.MethodGet, 0, reset, outcomeNotProcessed},
		// An untrusted certificate: nothing was sent, and nothing changes by
		// sending again.
		{http.MethodPost, 0, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, outcomeFinal},
	}
	for _, tc := range cases {
		var resp *http.Response
		if tc.err == nil {
			resp = &http.Response{StatusCode: tc.status}
		}
		o := outcomeOf(tc.method, resp, tc.err)
		if o.kind != tc.want {
			t.Errorf("%s answered %d / %v: kind = %d, want %d", tc.method, tc.status, tc.err, o.kind, tc.want)
		}
		if o.kind != outcomeFinal && o.reason == "" {
			t.Errorf("%s answered %d / %v: no reason", tc.method, tc.status, tc.err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRateLimitReset(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"0", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{strconv.FormatInt(now.Add(42*time.Second).Unix(), 10), 42 * time.Second, true},
		{strconv.FormatInt(now.Add(-time.Minute).Unix(), 10), 0, true},
	}
	for _, tc := range cases {
		got, ok := rateLimitReset(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("rateLimitReset(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// Rate limits and an unavailable service say the request was not processed:
// a create is sent again straight away (no lookup), after the wait the
// answer asks for, or after a backoff.
func TestCreateRetriedWhenNotProcessed(t *testing.T) {
	t.Parallel()
	exact := func(d time.Duration) [2]time.Duration { return [2]time.Duration{d, d} }
	b0lo, b0hi := backoffRange(0)
	b1lo, b1hi := backoffRange(1)
	cases := []struct {
		name   string
		faults func() []fault
		want   [][2]time.Duration
	}{
		{"429 with Retry-After", func() []fault { return []fault{rateLimited("Retry-After", "3")} }, [][2]time.Duration{exact(3 * time.Second)}},
		{"429 with Retry-After as a date", func() []fault {
			return []fault{rateLimited("Retry-After", time.Now().Add(6*time.Second).UTC().Format(http.TimeFormat))}
		}, [][2]time.Duration{{4 * time.Second, 6 * time.Second}}},
		// The server's own word beats the backoff's cap; rate_limit_wait bounds it.
		{"429 with X-RateLimit-Reset beyond the backoff cap", func() []fault { return []fault{rateLimited("X-RateLimit-Reset", "45")} }, [][2]time.Duration{exact(45 * time.Second)}},
		{"429 with X-RateLimit-Reset in seconds", func() []fault { return []fault{rateLimited("X-RateLimit-Reset", "7")} }, [][2]time.Duration{exact(7 * time.Second)}},
		// Ory Network's per-second window says 0: that is no reason to hammer it.
		{"429 with X-RateLimit-Reset 0", func() []fault { return []fault{rateLimited("X-RateLimit-Reset", "0")} }, [][2]time.Duration{{b0lo, b0hi}}},
		{"429 with Retry-After 0", func() []fault { return []fault{rateLimited("Retry-After", "0")} }, [][2]time.Duration{{b0lo, b0hi}}},
		{"429 with X-RateLimit-Reset as a Unix time", func() []fault {
			return []fault{rateLimited("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(5*time.Second).Unix(), 10))}
		}, [][2]time.Duration{{3 * time.Second, 5 * time.Second}}},
		{"429 without a hint", func() []fault { return []fault{rateLimited()} }, [][2]time.Duration{{b0lo, b0hi}}},
		{"503", func() []fault { return []fault{unavailable503} }, [][2]time.Duration{{b0lo, b0hi}}},
		{"503 then 429", func() []fault { return []fault{unavailable503, rateLimited()} }, [][2]time.Duration{{b0lo, b0hi}, {b1lo, b1hi}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			fk.plan = faultsOn(routeCreate, tc.faults()...)
			c, slept := newTestClient(t, fk.srv.URL, "")

			got, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if n := fk.count(routeCreate); n != len(tc.want)+1 {
				t.Errorf("POSTs = %d, want %d", n, len(tc.want)+1)
			}
			if n := fk.count(routeList); n != 0 {
				t.Errorf("lookups = %d, want none: the answer said the request was not processed", n)
			}
			fk.wantOnly(t, got.ID)
			waits := slept.all()
			if len(waits) != len(tc.want) {
				t.Fatalf("waits = %v, want %d", waits, len(tc.want))
			}
			for i, w := range tc.want {
				if !within(waits[i], w[0], w[1]) {
					t.Errorf("wait %d = %s, want within [%s, %s]", i, waits[i], w[0], w[1])
				}
			}
		})
	}
}

// A rate limit that never lifts ends when the call has waited as long as
// rate_limit_wait allows, not after MaxRetries retries (which a 429 does not
// count): it used to end after five retries spent in milliseconds.
func TestRateLimitRetriesAreBoundedByTime(t *testing.T) {
	t.Parallel()
	const budget = 10 * time.Second
	fk := newFakeKratos(t)
	fk.plan = func(string, int) fault { return rateLimited("Retry-After", "1") }
	c, slept := newTestClient(t, fk.srv.URL, "", func(cfg *Config) { cfg.RateLimitWait = budget })

	_, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
	var limited *RateLimitError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &limited) {
		t.Fatalf("err = %v, want a *RateLimitError", err)
	}
	waits := slept.all()
	if len(waits) != int(budget/time.Second) {
		t.Errorf("waits = %v, want %d of 1s: as many as fit in %s", waits, budget/time.Second, budget)
	}
	if n := fk.count(routeCreate); n != len(waits)+1 {
		t.Errorf("POSTs = %d, want one more than the %d waits", n, len(waits))
	}
	if limited.Waited != budget || limited.Next != time.Second || limited.Budget != budget {
		t.Errorf("error says waited %s, next %s, budget %s; want %s, 1s, %s", limited.Waited, limited.Next, limited.Budget, budget, budget)
	}
	fk.wantOnly(t)
}

// A cancel ends a wait at once, and nothing more is sent.
func TestCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault fault
		// The wait is long enough that only the cancel can end it in time.
		min time.Duration
	}{
		{"transport wait after a 429", rateLimited("Retry-After", "3600"), time.Hour},
		{"resend wait after a lost answer", dropBefore, 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			fk.plan = func(route string, _ int) fault {
				if route == routeCreate {
					return tc.fault
				}
				return noFault
			}
			c, slept := newTestClient(t, fk.srv.URL, "", func(cfg *Config) {
				cfg.MinBackoff = time.Minute
				cfg.MaxBackoff = time.Hour
				cfg.RateLimitWait = 2 * time.Hour
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			waiting := make(chan time.Duration, 1)
			slept.then = func(ctx context.Context, d time.Duration) error {
				select {
				case waiting <- d:
				default:
				}
				return sleepContext(ctx, d)
			}
			go func() {
				<-waiting
				cancel()
			}()

			done := make(chan error, 1)
			go func() {
				_, err := c.CreateIdentity(ctx, emailInput("a@example.com"))
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still waiting 5s after the cancel")
			}
			waits := slept.all()
			if len(waits) != 1 || waits[0] < tc.min {
				t.Errorf("waits = %v, want one of at least %s", waits, tc.min)
			}
			if n := fk.count(routeCreate); n != 1 {
				t.Errorf("POSTs = %d, want 1: nothing is sent after the cancel", n)
			}
		})
	}
}

// Kratos answers /schemas on its admin API with a redirect to its public
// API. The API key goes to the configured host only: Go's own redirect
// check compares host names without ports, so it would forward it here.
func TestAPIKeyOnlyToTheAPIHost(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var publicAuth []string
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		publicAuth = append(publicAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(fakeSchemas["email"])
	}))
	defer public.Close()
	var adminAuth []string
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		adminAuth = append(adminAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Redirect(w, r, public.URL+r.URL.Path, http.StatusFound)
	}))
	defer admin.Close()
	c, _ := newTestClient(t, admin.URL, "ory_pat_SECRET")

	ids, err := c.loginIdentifiers(context.Background(), "email", map[string]any{"email": "a@example.com"})
	if err != nil {
		t.Fatalf("schema through a redirect: %v", err)
	}
	if len(ids) != 1 || ids[0] != "a@example.com" {
		t.Errorf("identifiers = %v, want [a@example.com]", ids)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(adminAuth) != 1 || adminAuth[0] != "Bearer ory_pat_SECRET" {
		t.Errorf("the API host got Authorization %q, want the Bearer key once", adminAuth)
	}
	if len(publicAuth) != 1 || publicAuth[0] != "" {
		t.Errorf("the redirect's host got Authorization %q, want none", publicAuth)
	}
}

// Every attempt is logged with method, path and status, a retry with its
// reason; neither the password, its hash, the API key nor a query value
// (personal data) is logged.
func TestLogsEveryAttemptWithoutSecrets(t *testing.T) {
	t.Parallel()
	const (
		password = "hunter2-secret-XYZ"
		apiKey   = "ory_pat_SECRET"
		email    = "log-user@example.com"
	)
	fk := newFakeKratos(t)
	fk.plan = func(route string, n int) fault {
		switch {
		case route == routeCreate && n == 1:
			return unavailable503
		case route == routeCreate && n == 2:
			return dropAfter
		case route == routePut && n == 1:
			return rateLimited("Retry-After", "1")
		case route == routePut && n == 2:
			return gateway504After
		}
		return noFault
	}
	c, _ := newTestClient(t, fk.srv.URL, apiKey)
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)

	created, err := c.CreateIdentity(ctx, emailInput(email))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	hashBefore := fk.hash(created.ID)
	if _, err := c.SetPassword(ctx, created.ID, PasswordInput{Password: password}); err != nil {
		t.Fatalf("set password: %v", err)
	}
	hashAfter := fk.hash(created.ID)
	if hashAfter == "" || hashAfter == hashBefore {
		t.Fatal("the fake did not change the hash")
	}

	raw := out.String()
	for what, secret := range map[string]string{
		"the password": password, "the API key": apiKey, "the old hash": hashBefore,
		"the new hash": hashAfter, "an Authorization header": "Bearer", "the email": email,
	} {
		if secret != "" && strings.Contains(raw, secret) {
			t.Errorf("the log holds %s", what)
		}
	}
	entries, err := tflogtest.MultilineJSONDecode(&out)
	if err != nil {
		t.Fatal(err)
	}
	var attempts []map[string]any
	var retryReasons, lostReasons []string
	for _, e := range entries {
		switch e["@message"] {
		case "Ory API request":
			attempts = append(attempts, e)
		case "retrying Ory API request":
			r, _ := e["reason"].(string)
			retryReasons = append(retryReasons, r)
		case "Ory API answer lost; reading the server to find out whether the write took effect":
			r, _ := e["reason"].(string)
			lostReasons = append(lostReasons, r)
		}
	}
	seen := fk.requests()
	if len(attempts) != len(seen) {
		t.Fatalf("%d attempts logged, %d reached the server:\n%s", len(attempts), len(seen), raw)
	}
	for i, r := range seen {
		e := attempts[i]
		if e["method"] != r.method || e["path"] != r.path {
			t.Errorf("log entry %d is %v %v, the server saw %s %s", i, e["method"], e["path"], r.method, r.path)
		}
		if r.status == 0 {
			if msg, _ := e["error"].(string); msg == "" {
				t.Errorf("log entry %d (%s %s, connection dropped) has no error", i, r.method, r.path)
			}
			continue
		}
		if got, _ := e["status"].(float64); int(got) != r.status {
			t.Errorf("log entry %d (%s %s) has status %v, the server answered %d", i, r.method, r.path, e["status"], r.status)
		}
		if r.query != "" && e["query_params"] == nil {
			t.Errorf("log entry %d (%s %s?%s) does not name its query parameters", i, r.method, r.path, r.query)
		}
	}
	wantRetry := []string{"HTTP 503", "HTTP 429"}
	if len(retryReasons) != len(wantRetry) {
		t.Fatalf("retry entries = %q, want %d", retryReasons, len(wantRetry))
	}
	for i, w := range wantRetry {
		if !strings.Contains(retryReasons[i], w) {
			t.Errorf("retry entry %d names reason %q, want one with %q", i, retryReasons[i], w)
		}
	}
	if len(lostReasons) != 2 || !strings.Contains(lostReasons[1], "504") {
		t.Errorf("lost-answer entries = %q, want 2, the second naming the 504", lostReasons)
	}
}
