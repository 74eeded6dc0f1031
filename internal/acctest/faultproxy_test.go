package acctest

import (
	"context"
	"errors"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeKratos is an upstream that counts and keeps what it received.
type fakeKratos struct {
	*httptest.Server
	received atomic.Int64

	mu   sync.Mutex
	last *http.Request
	body []byte
}

func startFakeKratos(t *testing.T) *fakeKratos {
	t.Helper()
	k := &fakeKratos{}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k.mu.Lock()
		k.last, k.body = r, body
		k.mu.Unlock()
		k.received.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Reply", "one")
		w.Header().Add("X-Reply", "two")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"42"}`))
	}))
	t.Cleanup(k.Close)
	return k
}

func (k *fakeKratos) lastRequest() (*http.Request, []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.last, k.body
}

// proxyClient keeps connections alive, as the provider's client does, and
// reports whether each request reused one.
type proxyClient struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newProxyClient(t *testing.T, base string) *proxyClient {
	tr := &http.Transport{DisableKeepAlives: false}
	t.Cleanup(tr.CloseIdleConnections)
	return &proxyClient{t: t, base: base, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// do sends a request; on a transport error resp is nil. The body is read
// and closed.
func (c *proxyClient) do(method, path, body string) (resp *http.Response, respBody string, reused bool, err error) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err = c.client.Do(req)
	if err != nil {
		return nil, "", reused, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp, string(b), reused, nil
}

// mustDo sends a request that must get an answer with status want.
func (c *proxyClient) mustDo(method, path string, want int) {
	c.t.Helper()
	resp, _, _, err := c.do(method, path, `{"x":1}`)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: HTTP %d, want %d", method, path, resp.StatusCode, want)
	}
}

func TestFaultProxyFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault      Fault
		method     string
		wantStatus int    // 0: a transport error and no answer
		wantErr    error  // the error the client sees, if any
		retryAfter string // the Retry-After header wanted
		forwarded  bool   // whether Kratos got the request
	}{
		{fault: FaultRateLimit, method: http.MethodPost, wantStatus: http.StatusTooManyRequests, retryAfter: "1"},
		{fault: FaultRateLimitNoRetryAfter, method: http.MethodPut, wantStatus: http.StatusTooManyRequests},
		{fault: FaultUnavailable, method: http.MethodPatch, wantStatus: http.StatusServiceUnavailable},
		{fault: FaultReset, method: http.MethodPost, wantErr: syscall.ECONNRESET},
		{fault: FaultLoseAnswer504, method: http.MethodDelete, wantStatus: http.StatusGatewayTimeout, forwarded: true},
		{fault: FaultLoseAnswerDrop, method: http.MethodPost, wantErr: io.EOF, forwarded: true},
	}
	for _, tc := range cases {
		t.Run(string(tc.fault), func(t *testing.T) {
			t.Parallel()
			k := startFakeKratos(t)
			p := StartFaultProxy(t, k.URL, 1)
			c := newProxyClient(t, p.URL())
			// A connection to reuse, as the provider has one open.
			c.mustDo(http.MethodGet, "/admin/identities", http.StatusCreated)

			p.SetRules(FaultRule{Faults: []Fault{tc.fault}, Rate: 1, Max: 1})
			resp, _, reused, err := c.do(tc.method, "/admin/identities/1", `{"secret":"s3cret"}`)
			if !reused {
				t.Errorf("the faulted request did not reuse the open connection")
			}
			t.Logf("%s %s: err = %v", tc.method, tc.fault, err)
			switch {
			case tc.wantStatus == 0 && (err == nil || resp != nil):
				t.Fatalf("got an answer (%v, %v), want a transport error", resp, err)
			case tc.wantStatus == 0 && !errors.Is(err, tc.wantErr):
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			case tc.wantStatus != 0 && err != nil:
				t.Fatalf("err = %v, want HTTP %d", err, tc.wantStatus)
			case tc.wantStatus != 0:
				if resp.StatusCode != tc.wantStatus {
					t.Errorf("HTTP %d, want %d", resp.StatusCode, tc.wantStatus)
				}
				if got := resp.Header.Values("Retry-After"); strings.Join(got, ",") != tc.retryAfter {
					t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
				}
			}
			wantReceived := int64(1)
			if tc.forwarded {
				wantReceived = 2
				if r, body := k.lastRequest(); r.Method != tc.method || string(body) != `{"secret":"s3cret"}` {
					t.Errorf("Kratos got %s %q", r.Method, body)
				}
			}
			if got := k.received.Load(); got != wantReceived {
				t.Errorf("Kratos got %d requests, want %d", got, wantReceived)
			}
			if got := p.Injected(); len(got) != 1 || got[tc.fault] != 1 {
				t.Errorf("Injected() = %v, want %s: 1", got, tc.fault)
			}

			// Max is reached: the same client goes on, on a new connection
			// after a hang-up, else on the same one.
			resp, body, reused, err := c.do(tc.method, "/admin/identities/1", `{}`)
			if err != nil || resp.StatusCode != http.StatusCreated || body != `{"id":"42"}` {
				t.Fatalf("after the fault: %v %v %q", resp, err, body)
			}
			if hungUp := tc.wantStatus == 0; reused == hungUp {
				t.Errorf("after the fault: connection reused = %v", reused)
			}
		})
	}
}

// TestFaultProxyGoRetriesGET documents that Go's transport sends a GET again,
// once and on a new connection, when a reused connection breaks before the
// answer: a single hang-up on a GET never reaches the provider.
func TestFaultProxyGoRetriesGET(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault         Fault
		kratosGetsTry bool
	}{{FaultReset, false}, {FaultLoseAnswerDrop, true}}
	for _, tc := range cases {
		t.Run(string(tc.fault), func(t *testing.T) {
			t.Parallel()
			k := startFakeKratos(t)
			p := StartFaultProxy(t, k.URL, 1)
			c := newProxyClient(t, p.URL())
			c.mustDo(http.MethodGet, "/admin/identities", http.StatusCreated)

			p.SetRules(FaultRule{Faults: []Fault{tc.fault}, Rate: 1, Max: 1})
			c.mustDo(http.MethodGet, "/admin/identities", http.StatusCreated)
			want := int64(2) // the first request and the retry
			if tc.kratosGetsTry {
				want++
			}
			if got := k.received.Load(); got != want {
				t.Errorf("Kratos got %d requests, want %d", got, want)
			}

			// A retry that fails too is reported.
			p.SetRules(FaultRule{Faults: []Fault{tc.fault}, Rate: 1})
			if resp, _, _, err := c.do(http.MethodGet, "/admin/identities", ""); err == nil {
				t.Errorf("HTTP %d, want a transport error", resp.StatusCode)
			}
			if got := p.Injected()[tc.fault]; got != 3 {
				t.Errorf("%d faults injected, want 3", got)
			}
		})
	}
}

func TestFaultProxyRoundTrip(t *testing.T) {
	t.Parallel()
	type received struct {
		method, uri, host, body string
		header                  http.Header
	}
	var mu sync.Mutex
	var got received
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = received{r.Method, r.RequestURI, r.Host, string(b), r.Header}
		mu.Unlock()
		status, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Echo", r.Header.Get("X-Request"))
		w.WriteHeader(status)
		_, _ = w.Write(b) // an echo
	}))
	t.Cleanup(upstream.Close)
	p := StartFaultProxy(t, upstream.URL, 1, FaultRule{PathPrefix: "/never", Faults: []Fault{FaultReset}, Rate: 1})
	c := newProxyClient(t, p.URL())

	cases := []struct {
		method, uri, body string
		status            int
	}{
		{http.MethodPost, "/admin/identities?status=201", `{"traits":{"email":"a@b.c"}}`, 201},
		{http.MethodGet, "/admin/identities?status=200&credentials_identifier=a%2Bb%40c.d&x=1&x=2", "", 200},
		{http.MethodPatch, "/admin/identities/a%2Fb?status=409", "\x00\xff binary", 409},
		{http.MethodDelete, "/admin/identities/x?status=204", "", 204},
		{http.MethodPut, "/admin/identities/x?status=500", "{}", 500},
	}
	for _, tc := range cases {
		req, err := http.NewRequest(tc.method, p.URL()+tc.uri, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer token")
		req.Header.Set("X-Request", tc.method)
		req.Header.Add("X-Multi", "1")
		req.Header.Add("X-Multi", "2")
		req.Header.Set("Connection", "X-Hop")
		req.Header.Set("X-Hop", "only to the proxy")
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.uri, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()

		mu.Lock()
		got := got
		mu.Unlock()
		if got.method != tc.method || got.uri != tc.uri || got.body != tc.body {
			t.Errorf("Kratos got %s %s %q, want %s %s %q", got.method, got.uri, got.body, tc.method, tc.uri, tc.body)
		}
		if got.host != strings.TrimPrefix(upstream.URL, "http://") {
			t.Errorf("Kratos got Host %q", got.host)
		}
		for _, h := range []string{"Authorization", "X-Request", "X-Multi"} {
			if !slices.Equal(got.header.Values(h), req.Header.Values(h)) {
				t.Errorf("Kratos got %s %q, want %q", h, got.header.Values(h), req.Header.Values(h))
			}
		}
		if v := got.header.Get("X-Hop"); v != "" {
			t.Errorf("Kratos got the hop-by-hop header X-Hop: %q", v)
		}

		wantBody := tc.body
		if tc.status == http.StatusNoContent {
			wantBody = ""
		}
		if resp.StatusCode != tc.status || string(body) != wantBody {
			t.Errorf("%s %s: HTTP %d %q, want %d %q", tc.method, tc.uri, resp.StatusCode, body, tc.status, wantBody)
		}
		if v := resp.Header.Values("Set-Cookie"); !slices.Equal(v, []string{"a=1", "b=2"}) {
			t.Errorf("Set-Cookie = %q", v)
		}
		if v := resp.Header.Get("X-Echo"); v != tc.method {
			t.Errorf("X-Echo = %q", v)
		}
		if v := resp.Header.Get("Content-Type"); v != "application/octet-stream" {
			t.Errorf("Content-Type = %q", v)
		}
	}
	if p.Forwarded() != len(cases) || len(p.Injected()) != 0 {
		t.Errorf("%s, want %d forwarded and no faults", p.Summary(), len(cases))
	}
}

func TestFaultProxyKratosDown(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	p := StartFaultProxy(t, gone.URL, 1, FaultRule{Faults: []Fault{FaultLoseAnswer504}, Rate: 1, Max: 1})
	c := newProxyClient(t, p.URL())
	for range 2 {
		c.mustDo(http.MethodPost, "/admin/identities", http.StatusBadGateway)
	}
	// No answer was lost: the fault did not happen.
	want := "faults injected: 0, requests forwarded: 2, 502 as Kratos did not answer: 2"
	if got := p.Summary(); got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestFaultProxyRate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rate     float64
		min, max int
	}{{0, 0, 0}, {1, 50, 50}, {0.5, 10, 40}}
	for _, tc := range cases {
		t.Run(strconv.FormatFloat(tc.rate, 'g', -1, 64), func(t *testing.T) {
			t.Parallel()
			k := startFakeKratos(t)
			p := StartFaultProxy(t, k.URL, 7, FaultRule{Faults: []Fault{FaultUnavailable}, Rate: tc.rate})
			c := newProxyClient(t, p.URL())
			faults := 0
			for range 50 {
				resp, _, _, err := c.do(http.MethodPost, "/admin/identities", "{}")
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode == http.StatusServiceUnavailable {
					faults++
				}
			}
			if faults < tc.min || faults > tc.max {
				t.Errorf("%d faults in 50 requests, want %d..%d", faults, tc.min, tc.max)
			}
			if got := p.Injected()[FaultUnavailable]; got != faults {
				t.Errorf("Injected() counts %d, the client saw %d", got, faults)
			}
			if got := k.received.Load(); got != int64(50-faults) || p.Forwarded() != 50-faults {
				t.Errorf("Kratos got %d, Forwarded() = %d, want %d", got, p.Forwarded(), 50-faults)
			}
		})
	}
}

// TestFaultProxySeed checks that the seed repeats the faults of a run.
func TestFaultProxySeed(t *testing.T) {
	t.Parallel()
	k := startFakeKratos(t)
	run := func(seed uint64) string {
		p := StartFaultProxy(t, k.URL, seed, FaultRule{Faults: []Fault{FaultRateLimit}, Rate: 0.5})
		c := newProxyClient(t, p.URL())
		var b strings.Builder
		for range 40 {
			resp, _, _, err := c.do(http.MethodPost, "/", "")
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(strconv.Itoa(resp.StatusCode / 100))
		}
		return b.String()
	}
	a, b, other := run(42), run(42), run(43)
	if a != b {
		t.Errorf("seed 42 gave %s, then %s", a, b)
	}
	if a == other {
		t.Errorf("seeds 42 and 43 both gave %s", a)
	}
}

func TestFaultProxyMax(t *testing.T) {
	t.Parallel()
	k := startFakeKratos(t)
	p := StartFaultProxy(t, k.URL, 1,
		FaultRule{Method: http.MethodPost, Faults: []Fault{FaultRateLimit}, Rate: 1, Max: 3},
		FaultRule{Method: http.MethodPost, Faults: []Fault{FaultUnavailable}, Rate: 1, Max: 2},
	)
	c := newProxyClient(t, p.URL())
	for _, want := range []int{429, 429, 429, 503, 503, 201, 201} {
		c.mustDo(http.MethodPost, "/admin/identities", want)
	}
	// New rules fire up to their Max again.
	p.SetRules(FaultRule{Faults: []Fault{FaultRateLimit}, Rate: 1, Max: 1})
	for _, want := range []int{429, 201} {
		c.mustDo(http.MethodPost, "/admin/identities", want)
	}
	if got, want := p.Injected(), (map[Fault]int{FaultRateLimit: 4, FaultUnavailable: 2}); !maps.Equal(got, want) {
		t.Errorf("Injected() = %v, want %v", got, want)
	}
}

func TestFaultProxyFilter(t *testing.T) {
	t.Parallel()
	k := startFakeKratos(t)
	p := StartFaultProxy(t, k.URL, 1)
	c := newProxyClient(t, p.URL())
	cases := []struct {
		rule         FaultRule
		method, path string
		fault        bool
	}{
		{FaultRule{}, http.MethodGet, "/admin/identities", true},
		{FaultRule{Method: http.MethodDelete}, http.MethodDelete, "/admin/sessions/1", true},
		{FaultRule{Method: http.MethodDelete}, http.MethodPatch, "/admin/identities/1", false},
		{FaultRule{PathPrefix: "/admin/identities"}, http.MethodPatch, "/admin/identities/1", true},
		{FaultRule{PathPrefix: "/admin/identities"}, http.MethodPatch, "/admin/sessions/1", false},
		{FaultRule{Method: http.MethodPost, PathPrefix: "/admin/recovery"}, http.MethodPost, "/admin/recovery/code", true},
		{FaultRule{Method: http.MethodPost, PathPrefix: "/admin/recovery"}, http.MethodGet, "/admin/recovery/code", false},
		{FaultRule{Method: http.MethodPost, PathPrefix: "/admin/recovery"}, http.MethodPost, "/admin/identities", false},
	}
	for _, tc := range cases {
		tc.rule.Faults, tc.rule.Rate = []Fault{FaultUnavailable}, 1
		p.SetRules(tc.rule)
		want := http.StatusCreated
		if tc.fault {
			want = http.StatusServiceUnavailable
		}
		c.mustDo(tc.method, tc.path, want)
	}
}

func TestFaultProxyOnNth(t *testing.T) {
	t.Parallel()
	k := startFakeKratos(t)
	// The fault proves OnNth counts faulted requests too.
	p := StartFaultProxy(t, k.URL, 1, FaultRule{Method: http.MethodPost, Faults: []Fault{FaultRateLimit}, Rate: 1, Max: 1})
	c := newProxyClient(t, p.URL())
	var calls atomic.Int64
	called, release := make(chan struct{}), make(chan struct{})
	p.OnNth(http.MethodPost, "/admin/identities", 3, func() {
		if calls.Add(1) == 1 {
			close(called)
		}
		<-release // the request goes on meanwhile
	})
	t.Cleanup(func() { close(release) })

	c.mustDo(http.MethodPost, "/admin/identities", 429)
	c.mustDo(http.MethodGet, "/admin/identities", 201)
	c.mustDo(http.MethodPost, "/admin/sessions", 201)
	c.mustDo(http.MethodPost, "/admin/identities", 201)
	select {
	case <-called:
		t.Fatal("ran at the 2nd matching request")
	case <-time.After(50 * time.Millisecond):
	}
	c.mustDo(http.MethodPost, "/admin/identities/x", 201)
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("did not run at the 3rd matching request")
	}
	for range 3 {
		c.mustDo(http.MethodPost, "/admin/identities", 201)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("ran %d times", n)
	}
}

func TestFaultProxySummary(t *testing.T) {
	t.Parallel()
	k := startFakeKratos(t)
	p := StartFaultProxy(t, k.URL, 1,
		FaultRule{Faults: []Fault{FaultRateLimit, FaultUnavailable, FaultLoseAnswer504, FaultRateLimitNoRetryAfter}, Rate: 1, Max: 7})
	c := newProxyClient(t, p.URL())
	for _, want := range []int{429, 503, 504, 429, 429, 503, 504, 201} {
		c.mustDo(http.MethodPost, "/", want)
	}
	counts := p.Injected()
	want := map[Fault]int{FaultRateLimit: 2, FaultUnavailable: 2, FaultLoseAnswer504: 2, FaultRateLimitNoRetryAfter: 1}
	if !maps.Equal(counts, want) {
		t.Errorf("Injected() = %v, want %v", counts, want)
	}
	counts[FaultReset] = 9 // a copy
	wantSummary := "faults injected: 7 (429: 2, 429 without Retry-After: 1, 503: 2, lost answer 504: 2), requests forwarded: 3"
	if got := p.Summary(); got != wantSummary {
		t.Errorf("Summary() = %q, want %q", got, wantSummary)
	}
}

// TestFaultProxyParallel runs many requests at once, for the race detector
// and the counts.
func TestFaultProxyParallel(t *testing.T) {
	t.Parallel()
	k := startFakeKratos(t)
	p := StartFaultProxy(t, k.URL, 3, FaultRule{Method: http.MethodPost, Faults: []Fault{
		FaultRateLimit, FaultUnavailable, FaultReset, FaultLoseAnswer504, FaultLoseAnswerDrop,
	}, Rate: 0.5})
	c := newProxyClient(t, p.URL())
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if resp, _, _, err := c.do(http.MethodPost, "/admin/identities", "{}"); err == nil && resp.StatusCode == http.StatusCreated {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	inj := p.Injected()
	total := 0
	for _, n := range inj {
		total += n
	}
	if total+int(ok.Load()) != 200 || total == 0 {
		t.Errorf("%d faults and %d answers from Kratos, want 200 in all", total, ok.Load())
	}
	lost := inj[FaultLoseAnswer504] + inj[FaultLoseAnswerDrop]
	if got := k.received.Load(); got != ok.Load()+int64(lost) || p.Forwarded() != int(got) {
		t.Errorf("Kratos got %d, Forwarded() = %d, want %d", got, p.Forwarded(), ok.Load()+int64(lost))
	}
	t.Log(p.Summary())
}

func TestFaultRuleCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule FaultRule
		err  string
	}{
		{FaultRule{Faults: []Fault{FaultReset}, Rate: 0.3, Max: 2}, ""},
		{FaultRule{Rate: 1}, "no faults"},
		{FaultRule{Faults: []Fault{"418"}, Rate: 1}, "unknown fault"},
		{FaultRule{Faults: []Fault{FaultReset}, Rate: 1.5}, "rate"},
		{FaultRule{Faults: []Fault{FaultReset}, Rate: math.NaN()}, "rate"},
		{FaultRule{Faults: []Fault{FaultReset}, Rate: -0.1}, "rate"},
		{FaultRule{Faults: []Fault{FaultReset}, Rate: 1, Max: -1}, "negative max"},
	}
	for _, tc := range cases {
		err := tc.rule.check()
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%+v: err = %v, want %q", tc.rule, err, tc.err)
		}
	}
}
