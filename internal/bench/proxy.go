package bench

import (
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// countingProxy forwards everything to Kratos's admin API and counts the
// requests by method, so that each phase's API calls can be reported.
type countingProxy struct {
	url string
	srv *http.Server

	mu    sync.Mutex
	calls map[string]int
}

func startCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	// Kept-alive connections, as a client would have to Kratos directly, so
	// that the proxy adds as little as possible to what is measured.
	rp.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
	p := &countingProxy{url: "http://" + ln.Addr().String(), calls: map[string]int{}}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.calls[r.Method]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// take returns the counts since the last take and starts counting anew.
func (p *countingProxy) take() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := maps.Clone(p.calls)
	clear(p.calls)
	return c
}

func (p *countingProxy) close() { _ = p.srv.Close() }
