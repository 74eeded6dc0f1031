package acctest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is a failure the fault proxy answers with instead of Kratos's answer.
type Fault string

// The faults real networks and gateways produce.
const (
	// FaultRateLimit answers 429 Too Many Requests with "Retry-After: 1"
	// without forwarding the request.
	FaultRateLimit Fault = "429"
	// FaultRateLimitNoRetryAfter answers 429 with no Retry-After header
	// without forwarding the request.
	FaultRateLimitNoRetryAfter Fault = "429 without Retry-After"
	// FaultUnavailable answers 503 Service Unavailable without forwarding.
	FaultUnavailable Fault = "503"
	// FaultReset reads the request, does not forward it and resets the TCP
	// connection: the client gets no answer.
	FaultReset Fault = "reset"
	// FaultLoseAnswer504 forwards the request, so Kratos makes the change,
	// then answers 504 Gateway Timeout instead of Kratos's answer.
	FaultLoseAnswer504 Fault = "lost answer 504"
	// FaultLoseAnswerDrop forwards the request, so Kratos makes the change,
	// then closes the connection without answering.
	FaultLoseAnswerDrop Fault = "lost answer dropped"
)

// faultOrder is the order Summary lists the faults in.
var faultOrder = []Fault{
	FaultRateLimit, FaultRateLimitNoRetryAfter, FaultUnavailable,
	FaultReset, FaultLoseAnswer504, FaultLoseAnswerDrop,
}

// FaultRule says which requests the fault proxy fails and how.
type FaultRule struct {
	// Method is the HTTP method to fail, as sent ("POST"); "" is any.
	Method string
	// PathPrefix is a plain prefix of the request path
	// ("/admin/identities"); "" is any.
	PathPrefix string
	// Faults are injected in turn each time the rule fires.
	Faults []Fault
	// Rate is the probability, 0 to 1, that a matching request is failed.
	Rate float64
	// Max bounds the faults from this rule; 0 is unlimited.
	Max int
}

// check reports a rule that cannot work, a mistake in the test.
func (r FaultRule) check() error {
	if len(r.Faults) == 0 {
		return errors.New("no faults")
	}
	for _, f := range r.Faults {
		if !slices.Contains(faultOrder, f) {
			return fmt.Errorf("unknown fault %q", f)
		}
	}
	if !(r.Rate >= 0 && r.Rate <= 1) {
		return fmt.Errorf("rate %v is not within 0..1", r.Rate)
	}
	if r.Max < 0 {
		return fmt.Errorf("negative max %d", r.Max)
	}
	return nil
}

func requestMatches(method, pathPrefix string, req *http.Request) bool {
	return (method == "" || req.Method == method) && strings.HasPrefix(req.URL.Path, pathPrefix)
}

// FaultProxy is a reverse proxy on loopback in front of a Kratos admin API
// that fails requests as its rules say and forwards the others unchanged.
// When Kratos does not answer it answers 502 Bad Gateway, as a real gateway.
type FaultProxy struct {
	t        testing.TB
	url      string
	target   *url.URL
	srv      *http.Server
	upstream *http.Transport
	hooks    sync.WaitGroup // running OnNth functions

	mu         sync.Mutex
	closed     bool
	rng        *rand.Rand
	rules      []ruleState
	triggers   []*trigger
	injected   map[Fault]int
	forwarded  int
	badGateway int
}

type ruleState struct {
	FaultRule
	fired int
	next  int // index in Faults of the next fault
}

type trigger struct {
	method, pathPrefix string
	n, seen            int
	fn                 func() // nil once started
}

// StartFaultProxy starts a fault proxy in front of target, the base URL of a
// Kratos admin API, and closes it when the test ends. Faults are drawn from a
// source seeded with seed, which is logged so that a failing run can be
// repeated; requests that run in parallel can still arrive in another order.
// Rules are tried in order and the first matching rule that fires decides.
func StartFaultProxy(t testing.TB, target string, seed uint64, rules ...FaultRule) *FaultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		t.Fatalf("fault proxy: target %q is not a scheme://host:port URL", target)
	}
	u.Path = ""
	p := &FaultProxy{
		t:        t,
		target:   u,
		rng:      rand.New(rand.NewPCG(seed, 0)),
		injected: map[Fault]int{},
		upstream: &http.Transport{
			// Kratos is on loopback: never through a proxy from the environment.
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			ResponseHeaderTimeout: time.Minute,
			// A connection per request: the transport retries requests on
			// reused connections that broke, and each request must reach
			// Kratos at most once. No stale connections after a restart either.
			DisableKeepAlives: true,
			// Pass encoded answers on as they are.
			DisableCompression: true,
		},
	}
	p.SetRules(rules...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fault proxy: %v", err)
	}
	p.url = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(p.close)
	t.Logf("fault proxy %s -> %s, seed %d", p.url, u, seed)
	return p
}

// URL is the proxy's base URL, to give the provider instead of Kratos's.
func (p *FaultProxy) URL() string { return p.url }

// SetRules replaces the rules, e.g. with none to check the result without
// faults. Rules fire up to their own Max again.
func (p *FaultProxy) SetRules(rules ...FaultRule) {
	p.t.Helper()
	states := make([]ruleState, len(rules))
	for i, r := range rules {
		if err := r.check(); err != nil {
			p.t.Fatalf("fault proxy: rule %d: %v", i, err)
		}
		r.Faults = slices.Clone(r.Faults)
		states[i] = ruleState{FaultRule: r}
	}
	p.mu.Lock()
	p.rules = states
	p.mu.Unlock()
}

// OnNth runs fn in a goroutine of its own when the nth request (counting from
// 1 and from now) with that method and path prefix ("" is any) arrives,
// before the request is handled; e.g. to kill and restart Kratos mid-apply.
// fn runs at most once; closing the proxy waits for it.
func (p *FaultProxy) OnNth(method, pathPrefix string, n int, fn func()) {
	p.t.Helper()
	if n < 1 || fn == nil {
		p.t.Fatalf("fault proxy: OnNth needs n >= 1 (got %d) and a function", n)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.triggers = append(p.triggers, &trigger{method: method, pathPrefix: pathPrefix, n: n, fn: fn})
}

// Injected counts the faults injected so far by kind.
func (p *FaultProxy) Injected() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.injected)
}

// Forwarded counts the requests sent on to Kratos, answered or not.
func (p *FaultProxy) Forwarded() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forwarded
}

// Summary is one line for the test log, e.g. "faults injected: 5 (429: 2,
// reset: 3), requests forwarded: 40".
func (p *FaultProxy) Summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	total := 0
	var kinds []string
	for _, f := range faultOrder {
		if n := p.injected[f]; n > 0 {
			total += n
			kinds = append(kinds, fmt.Sprintf("%s: %d", f, n))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "faults injected: %d", total)
	if len(kinds) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(&b, ", requests forwarded: %d", p.forwarded)
	if p.badGateway > 0 {
		fmt.Fprintf(&b, ", 502 as Kratos did not answer: %d", p.badGateway)
	}
	return b.String()
}

func (p *FaultProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.srv.Close()
	p.hooks.Wait()
	p.upstream.CloseIdleConnections()
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	// The whole request is read first: a reset then comes after the client
	// sent everything, and the forwarded body has a known length.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	fault := p.arrive(r)
	switch fault {
	case "", FaultLoseAnswer504, FaultLoseAnswerDrop:
		answer, err := p.forward(r, body)
		if err != nil {
			if r.Context().Err() != nil {
				return // the client went away
			}
			p.count(&p.badGateway)
			http.Error(w, "Kratos did not answer: "+err.Error(), http.StatusBadGateway)
			return
		}
		if fault == "" {
			copyHeader(w.Header(), answer.header)
			w.WriteHeader(answer.status)
			_, _ = w.Write(answer.body)
			return
		}
	}
	// Counted before the client sees the fault, so that it can check the count.
	p.mu.Lock()
	p.injected[fault]++
	p.mu.Unlock()
	switch fault {
	case FaultRateLimit:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "rate limited by the fault proxy", http.StatusTooManyRequests)
	case FaultRateLimitNoRetryAfter:
		http.Error(w, "rate limited by the fault proxy", http.StatusTooManyRequests)
	case FaultUnavailable:
		http.Error(w, "unavailable by the fault proxy", http.StatusServiceUnavailable)
	case FaultLoseAnswer504:
		http.Error(w, "answer lost by the fault proxy", http.StatusGatewayTimeout)
	case FaultReset:
		hangUp(w, true)
	case FaultLoseAnswerDrop:
		hangUp(w, false)
	}
}

// arrive starts the OnNth functions r is due for and picks r's fault, "" for
// none.
func (p *FaultProxy) arrive(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tr := range p.triggers {
		if tr.fn == nil || !requestMatches(tr.method, tr.pathPrefix, r) {
			continue
		}
		if tr.seen++; tr.seen == tr.n {
			// After close has begun waiting, the WaitGroup must not grow.
			if !p.closed {
				p.hooks.Go(tr.fn)
			}
			tr.fn = nil
		}
	}
	for i := range p.rules {
		rule := &p.rules[i]
		if !requestMatches(rule.Method, rule.PathPrefix, r) || (rule.Max > 0 && rule.fired >= rule.Max) {
			continue
		}
		if p.rng.Float64() >= rule.Rate {
			continue
		}
		rule.fired++
		f := rule.Faults[rule.next%len(rule.Faults)]
		rule.next++
		return f
	}
	return ""
}

func (p *FaultProxy) count(n *int) {
	p.mu.Lock()
	*n++
	p.mu.Unlock()
}

// kratosAnswer is an answer from Kratos, read whole.
type kratosAnswer struct {
	status int
	header http.Header
	body   []byte
}

// forward sends r to Kratos once and reads the whole answer.
func (p *FaultProxy) forward(r *http.Request, body []byte) (*kratosAnswer, error) {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = http.Header{}
	copyHeader(out.Header, r.Header)
	p.count(&p.forwarded)
	resp, err := p.upstream.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &kratosAnswer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// hopHeaders belong to one connection and are not passed on (RFC 9110 7.6.1).
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// copyHeader adds src's end-to-end headers to dst. Kratos's "Connection:
// close", answering a proxy that does not keep connections, must not close
// the client's connection.
func copyHeader(dst, src http.Header) {
	skip := map[string]bool{}
	for _, h := range hopHeaders {
		skip[h] = true
	}
	for _, v := range src.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			skip[http.CanonicalHeaderKey(strings.TrimSpace(name))] = true
		}
	}
	for k, vs := range src {
		if !skip[k] {
			dst[k] = append(dst[k], vs...)
		}
	}
}

// hangUp closes the client's connection without an answer: with reset, as a
// TCP reset; else as an orderly close.
func hangUp(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// The server aborts the connection without an answer too.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
