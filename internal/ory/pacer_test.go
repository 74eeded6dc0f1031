package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEdge answers as Ory Network's edge does (two fixed windows per
// bucket, 1 s and 60 s, each starting with the first request after the
// previous one ended; x-ratelimit-* headers on every answer; 429 with an
// empty body when a window is full), on the test clock, so that a test can
// tell whether the client stays under the limits without real time passing.
type fakeEdge struct {
	t                    *testing.T
	srv                  *httptest.Server
	clock                func() time.Time
	perSecond, perMinute int

	mu      sync.Mutex
	windows map[Bucket]*[2]edgeWindow
	served  int
	refused int
}

type edgeWindow struct {
	length time.Duration
	limit  int
	start  time.Time
	used   int
}

func (w *edgeWindow) roll(now time.Time) {
	if w.start.IsZero() || !now.Before(w.start.Add(w.length)) {
		w.start, w.used = now, 0
	}
}

func newFakeEdge(t *testing.T, clock func() time.Time, perSecond, perMinute int) *fakeEdge {
	t.Helper()
	e := &fakeEdge{t: t, clock: clock, perSecond: perSecond, perMinute: perMinute, windows: map[Bucket]*[2]edgeWindow{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *fakeEdge) serve(w http.ResponseWriter, r *http.Request) {
	bucket := BucketOf(r.Method, r.URL.Path)
	e.mu.Lock()
	defer e.mu.Unlock()
	ws := e.windows[bucket]
	if ws == nil {
		ws = &[2]edgeWindow{{length: time.Second, limit: e.perSecond}, {length: time.Minute, limit: e.perMinute}}
		e.windows[bucket] = ws
	}
	now := e.clock()
	ws[0].roll(now)
	ws[1].roll(now)
	admitted := ws[0].used < ws[0].limit && ws[1].used < ws[1].limit
	if admitted {
		ws[0].used++
		ws[1].used++
		e.served++
	} else {
		e.refused++
	}
	remaining, reset := ws[0].limit-ws[0].used, 0
	if m := ws[1].limit - ws[1].used; m <= remaining {
		remaining, reset = m, int(ws[1].start.Add(ws[1].length).Sub(now)/time.Second)
	}
	w.Header().Set("X-Ratelimit-Limit", fmt.Sprintf("%d, %d;w=1, %d;w=60", e.perSecond, e.perSecond, e.perMinute))
	w.Header().Set("X-Ratelimit-Remaining", fmt.Sprint(remaining))
	w.Header().Set("X-Ratelimit-Reset", fmt.Sprint(reset))
	if !admitted {
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *fakeEdge) counts() (served, refused int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.served, e.refused
}

// deleteIdentity sends one write of the kratos-admin-low bucket.
func deleteIdentity(ctx context.Context, c *Client, n int) error {
	_, err := c.do(ctx, http.MethodDelete, fmt.Sprintf("/admin/identities/00000000-0000-4000-8000-%012d", n), nil, nil, nil)
	return err
}

// When an answer says a window is used up, the next call waits until that
// window resets, and is then let through: no 429 is needed to find the limit.
func TestPacingWaitsForTheWindowToReset(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                 string
		perSecond, perMinute int
		calls                int
		want                 []time.Duration
	}{
		// The 1 s window says reset 0; it started no later than the
		// window's first answer.
		{"per-second window", 2, 100, 5, []time.Duration{time.Second, time.Second}},
		// The 60 s window says its reset in whole seconds, perhaps cut off:
		// a second more is sure to be past it.
		{"per-minute window", 10, 3, 4, []time.Duration{61 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s *sleeps
			edge := newFakeEdge(t, func() time.Time { return s.now() }, tc.perSecond, tc.perMinute)
			var c *Client
			c, s = newTestClient(t, edge.srv.URL, "")

			for i := range tc.calls {
				if err := deleteIdentity(context.Background(), c, i); err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
			}
			if served, refused := edge.counts(); served != tc.calls || refused != 0 {
				t.Errorf("the edge served %d and refused %d, want %d served, none refused", served, refused, tc.calls)
			}
			if got := s.all(); !equalDurations(got, tc.want) {
				t.Errorf("waits = %v, want %v", got, tc.want)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Calls made at once share what is left: together they stay under both
// windows, in every bucket, without a 429.
func TestPacingKeepsParallelCallsUnderTheLimits(t *testing.T) {
	t.Parallel()
	var s *sleeps
	edge := newFakeEdge(t, func() time.Time { return s.now() }, 3, 10)
	// Every waiter moves the test clock on by its own wait, so it runs ahead
	// of what the calls would take: a budget that does not get in the way.
	var c *Client
	c, s = newTestClient(t, edge.srv.URL, "", func(cfg *Config) { cfg.RateLimitWait = 1000 * time.Hour })

	const writes, reads = 25, 15
	var wg sync.WaitGroup
	errs := make(chan error, writes+reads)
	for i := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- deleteIdentity(context.Background(), c, i)
		}()
	}
	for range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.do(context.Background(), http.MethodGet, "/admin/identities", nil, nil, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("call: %v", err)
		}
	}
	if served, refused := edge.counts(); served != writes+reads || refused != 0 {
		t.Errorf("the edge served %d and refused %d, want %d served, none refused", served, refused, writes+reads)
	}
	if len(s.all()) == 0 {
		t.Error("no call waited, yet the calls were more than a window allows")
	}
}

// Batches keep to their bucket's share of the minute: after a burst they go
// out at an even pace, so the minute's budget lasts the minute and no batch
// waits out the rest of it. Waiting only for room (waitForRoom), the first
// 90 go out in 18 s and the 91st waits some 40 s.
func TestBatchesKeepToTheirShareOfTheMinute(t *testing.T) {
	t.Parallel()
	const perSecond, perMinute, batches = 5, 90, 150
	var s *sleeps
	edge := newFakeEdge(t, func() time.Time { return s.now() }, perSecond, perMinute)
	var c *Client
	c, s = newTestClient(t, edge.srv.URL, "", func(cfg *Config) { cfg.RateLimitWait = time.Hour })
	pace := c.http.Transport.(*retryTransport).pacer

	ctx := context.Background()
	start := s.now()
	for i := range batches {
		if err := pace.waitForShare(ctx, BucketAdminMedium, s.now().Add(time.Hour)); err != nil {
			t.Fatalf("batch %d: %v", i+1, err)
		}
		if _, err := c.do(ctx, http.MethodGet, "/admin/identities", nil, nil, nil); err != nil {
			t.Fatalf("batch %d: %v", i+1, err)
		}
	}
	if served, refused := edge.counts(); served != batches || refused != 0 {
		t.Errorf("the edge served %d and refused %d, want %d served, none refused", served, refused, batches)
	}
	// The share leaves room for a burst of 9: 60 s / 81.
	share, burst := time.Minute/(perMinute-9), 9
	for i, d := range s.all() {
		if d > time.Second {
			t.Errorf("wait %d is %s: a batch waited out a window instead of keeping to its share (%s)", i, d, share)
		}
	}
	// The first goes out before an answer has told the share.
	if took, least := s.now().Sub(start), time.Duration(batches-1-burst)*share; took < least {
		t.Errorf("%d batches took %s, want at least %s at one per %s after the burst", batches, took, least, share)
	}
}

// Self-hosted Kratos sends no rate-limit headers: after its first answer
// says so, calls go out together, and nothing waits.
func TestNoPacingWithoutRateLimitHeaders(t *testing.T) {
	t.Parallel()
	const together = 6
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		arrived++
		if arrived == 1+together {
			close(all)
		}
		n := arrived
		mu.Unlock()
		if n > 1 {
			// Each call is held until all have arrived: they can only
			// finish if none waits for another.
			select {
			case <-all:
			case <-time.After(10 * time.Second):
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, slept := newTestClient(t, srv.URL, "", func(cfg *Config) { cfg.MaxRetries = 0 })

	if err := deleteIdentity(context.Background(), c, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, together)
	for i := range together {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- deleteIdentity(context.Background(), c, i+1)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("call: %v (the calls did not all arrive together)", err)
		}
	}
	if waits := slept.all(); len(waits) != 0 {
		t.Errorf("waits = %v, want none without rate-limit headers", waits)
	}
}

// A 429 whose headers say reset 0 (the per-second window), without
// Retry-After, is waited out with a backoff that grows, and the call
// succeeds: it is not sent again at once.
func TestRateLimitedWithResetZeroBacksOff(t *testing.T) {
	t.Parallel()
	const refusals = 4
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		w.Header().Set("X-Ratelimit-Limit", "8, 8;w=1, 175;w=60")
		w.Header().Set("X-Ratelimit-Reset", "0")
		if i <= refusals {
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("X-Ratelimit-Remaining", "7")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, slept := newTestClient(t, srv.URL, "")

	if err := deleteIdentity(context.Background(), c, 1); err != nil {
		t.Fatalf("call after %d refusals: %v", refusals, err)
	}
	waits := slept.all()
	if len(waits) != refusals || n != refusals+1 {
		t.Fatalf("waits = %v after %d requests, want %d waits and %d requests", waits, n, refusals, refusals+1)
	}
	for i, d := range waits {
		if lo, hi := backoffRange(i); !within(d, lo, hi) {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, d, lo, hi)
		}
	}
}

// A call that would have to wait longer than rate_limit_wait fails with an
// error that names the bucket, the limits and the tier they are, and what to
// do; the pacer gives up before sending what it knows the edge refuses.
func TestRateLimitWaitRunsOut(t *testing.T) {
	t.Parallel()
	const budget = 20 * time.Second
	refuseAll := func(limit string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Ratelimit-Limit", limit)
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.Header().Set("X-Ratelimit-Reset", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}
	cases := []struct {
		name    string
		handler func(clock func() time.Time) http.Handler
		method  string
		path    string
		want    []string
		// sent is how many requests reach the server; 0 for any.
		sent int
	}{
		{
			name:    "429s until the budget is spent, a write",
			handler: func(func() time.Time) http.Handler { return refuseAll("8, 8;w=1, 175;w=60") },
			method:  http.MethodDelete, path: "/admin/identities/x",
			want: []string{"DELETE /admin/identities/x", "kratos-admin-low", "8, 8;w=1, 175;w=60", "production or non-production tier"},
		},
		{
			name:    "429s until the budget is spent, a list",
			handler: func(func() time.Time) http.Handler { return refuseAll("5, 5;w=1, 90;w=60") },
			method:  http.MethodGet, path: "/admin/identities",
			want: []string{"kratos-admin-medium", "those of the production tier"},
		},
		{
			name:    "limits of no tier",
			handler: func(func() time.Time) http.Handler { return refuseAll("3, 3;w=1, 7;w=60") },
			method:  http.MethodGet, path: "/admin/identities/x",
			want: []string{"kratos-admin-high", "match none of Ory Network's published tiers"},
		},
		{
			// Two calls use up the minute; the third would wait 61 s.
			name: "the pacer's wait is longer than the budget",
			handler: func(clock func() time.Time) http.Handler {
				return http.HandlerFunc(newFakeEdge(t, clock, 10, 2).serve)
			},
			method: http.MethodDelete, path: "/admin/identities/x",
			want: []string{"kratos-admin-low", "match none", "waited 0s; waiting again (1m1s)"},
			// The third is not sent only to be refused.
			sent: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s *sleeps
			var mu sync.Mutex
			sent := 0
			h := tc.handler(func() time.Time { return s.now() })
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				sent++
				mu.Unlock()
				h.ServeHTTP(w, r)
			}))
			defer srv.Close()
			var c *Client
			c, s = newTestClient(t, srv.URL, "ory_pat_SECRET", func(cfg *Config) { cfg.RateLimitWait = budget })

			var err error
			for range 3 {
				if _, err = c.do(context.Background(), tc.method, tc.path, nil, nil, nil); err != nil {
					break
				}
			}
			var limited *RateLimitError
			if !errors.As(err, &limited) || !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v, want a *RateLimitError", err)
			}
			msg := Reason(err)
			for _, w := range append(tc.want, "rate_limit_wait (20s)", "-parallelism", "higher tier", "run again later") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("error %q holds the API key", msg)
			}
			var waited time.Duration
			for _, d := range s.all() {
				waited += d
			}
			if waited > budget || limited.Waited != waited {
				t.Errorf("waited %s in all, the error says %s; want the same, at most %s", waited, limited.Waited, budget)
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.sent != 0 && sent != tc.sent {
				t.Errorf("%d requests reached the server, want %d", sent, tc.sent)
			}
		})
	}
}

// What pacing costs a call to a server without rate-limit headers
// (self-hosted Kratos): a reservation and its return.
func BenchmarkPacerWithoutHeaders(b *testing.B) {
	p := newPacer(&retryPolicy{now: time.Now, sleep: sleepContext})
	answer := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			slot, err := p.reserve(ctx, BucketAdminLow, time.Now().Add(time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			p.settle(slot, answer)
		}
	})
}

// A bucket's share keeps a burst and the pace after it within the longest
// window's limit, and the pace after the burst near that limit.
func TestShareKeepsWithinTheWindow(t *testing.T) {
	t.Parallel()
	for _, tier := range Tiers {
		for bucket, l := range tier.Limits {
			h := rateLimitHeaders{windows: parseWindows(fmt.Sprintf("%d, %[1]d;w=1, %d;w=60", l.PerSecond, l.PerMinute))}
			share, burst := h.share()
			if share <= 0 || burst < 1 {
				t.Errorf("%s %s: share %s, burst %d; want both above 0", tier.Name, bucket, share, burst)
				continue
			}
			if paced := burst + int(time.Minute/share); paced > l.PerMinute {
				t.Errorf("%s %s: a burst of %d and one per %s make %d a minute, over the limit of %d", tier.Name, bucket, burst, share, paced, l.PerMinute)
			}
			if paced := burst + int(time.Minute/share); paced < l.PerMinute-1 {
				t.Errorf("%s %s: a burst of %d and one per %s make only %d of the minute's %d", tier.Name, bucket, burst, share, paced, l.PerMinute)
			}
			if sustained := int(time.Minute / share); sustained < l.PerMinute*9/10 {
				t.Errorf("%s %s: after a burst of %d, one per %s is %d a minute: the burst costs more than a tenth of the limit of %d", tier.Name, bucket, burst, share, sustained, l.PerMinute)
			}
		}
	}
	if share, _ := (rateLimitHeaders{}).share(); share != 0 {
		t.Errorf("share without windows = %s, want 0", share)
	}
}
