package ory

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// A fake server stands in for faults Kratos can not be made to produce on
// demand: rate limits, gateway errors and dropped connections.

type recorder struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
	sleeps []time.Duration
}

func (r *recorder) record(req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, string(b))
	r.auth = append(r.auth, req.Header.Get("Authorization"))
}

// newTestClient returns a Client for srv whose waits are recorded, not slept.
func newTestClient(t *testing.T, srv *httptest.Server, rec *recorder, apiKey string) *Client {
	t.Helper()
	c, err := New(Config{URL: srv.URL, APIKey: apiKey, MaxRetries: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rt := c.api.GetConfig().HTTPClient.Transport.(*retryTransport)
	rt.sleep = func(_ context.Context, d time.Duration) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.sleeps = append(rec.sleeps, d)
		return nil
	}
	return c
}

// answers serves the given statuses in turn, then a valid identity.
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
	c := newTestClient(t, srv, rec, "ory_pat_secret")

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
	if rec.sleeps[0] != 2*time.Second {
		t.Errorf("wait after 429 with Retry-After: 2 = %s, want 2s", rec.sleeps[0])
	}
	// The 503 was the second attempt: backoff within [100ms, 200ms].
	if rec.sleeps[1] < 100*time.Millisecond || rec.sleeps[1] > 200*time.Millisecond {
		t.Errorf("backoff after the second attempt = %s, want between 100ms and 200ms", rec.sleeps[1])
	}
}

func TestRetryIsBounded(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	always := make([]func(http.ResponseWriter), 10)
	for i := range always {
		always[i] = status(502)
	}
	srv := httptest.NewServer(answers(rec, always...))
	defer srv.Close()
	c := newTestClient(t, srv, rec, "")

	_, err := c.GetIdentity(context.Background(), "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b")
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v, want ErrServer after the retries", err)
	}
	if len(rec.bodies) != 4 {
		t.Fatalf("attempts = %d, want 1 + 3 retries", len(rec.bodies))
	}
	if rec.auth[0] != "" {
		t.Errorf("Authorization sent without an API key: %q", rec.auth[0])
	}
	// Exponential: each wait's upper bound doubles.
	for i, d := range rec.sleeps {
		if hi := 100 * time.Millisecond << i; d > hi || d < hi/2 {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, d, hi/2, hi)
		}
	}
}

func TestRetryDroppedConnection(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := httptest.NewServer(answers(rec, dropConnection))
	defer srv.Close()
	c := newTestClient(t, srv, rec, "")

	if _, err := c.GetIdentity(context.Background(), "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b"); err != nil {
		t.Fatalf("read after a dropped connection: %v", err)
	}
	if len(rec.bodies) != 2 {
		t.Fatalf("attempts = %d, want 2", len(rec.bodies))
	}
}

// A create whose connection dropped may have happened: sending it again
// could create a second identity, so it is reported instead.
func TestNoRetryOfCreateWithoutAnswer(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := httptest.NewServer(answers(rec, dropConnection))
	defer srv.Close()
	c := newTestClient(t, srv, rec, "")

	_, err := c.CreateIdentity(context.Background(), IdentityInput{SchemaID: "email", Traits: map[string]any{"email": "a@example.com"}})
	if err == nil {
		t.Fatal("create after a dropped connection succeeded, want an error")
	}
	if len(rec.bodies) != 1 {
		t.Fatalf("attempts = %d, want 1", len(rec.bodies))
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
		{"-1", 0, false},
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
