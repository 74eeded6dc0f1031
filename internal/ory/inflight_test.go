package ory

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Two writes to the same identity never overlap (Ory Network answers the
// second 429 while the first is out); writes to different identities do.
func TestOneWriteAtATimePerPath(t *testing.T) {
	t.Parallel()
	const (
		pathA = "/admin/identities/00000000-0000-4000-8000-00000000000a"
		pathB = "/admin/identities/00000000-0000-4000-8000-00000000000b"
		pathC = "/admin/identities/00000000-0000-4000-8000-00000000000c"
	)
	var mu sync.Mutex
	var c *Client
	open := map[string]int{}
	overlapped := map[string]bool{}
	firstA := make(chan struct{})
	arrivedB := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		open[r.URL.Path]++
		if open[r.URL.Path] > 1 {
			overlapped[r.URL.Path] = true
		}
		first, client := firstA, c
		if r.URL.Path == pathA {
			firstA = nil
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			open[r.URL.Path]--
			mu.Unlock()
		}()
		switch {
		case r.URL.Path == pathC:
		case r.URL.Path == pathB:
			close(arrivedB)
		case first != nil:
			// The first write to A stays open until B has come through and
			// the second write to A is queued behind it.
			close(first)
			select {
			case <-arrivedB:
			case <-time.After(10 * time.Second):
				t.Error("the write to B did not arrive while the first write to A was out")
			}
			waitForQueued(t, client, http.MethodPut+" "+pathA, 2)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	mu.Lock()
	first := firstA
	c, _ = newTestClient(t, srv.URL, "")
	mu.Unlock()

	put := func(path string, errs chan<- error) {
		_, err := c.do(context.Background(), http.MethodPut, path, nil, map[string]any{}, nil)
		errs <- err
	}
	errs := make(chan error, 3)
	// The first answer of a bucket says whether to pace; this one says no.
	put(pathC, errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	go put(pathA, errs)
	<-first
	go put(pathA, errs)
	go put(pathB, errs)
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("write: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if overlapped[pathA] {
		t.Error("two writes to the same identity were out at once")
	}
	paths := c.http.Transport.(*retryTransport).paths
	paths.mu.Lock()
	defer paths.mu.Unlock()
	if len(paths.paths) != 0 {
		t.Errorf("idle paths are kept: %v", paths.paths)
	}
}

// waitForQueued waits until n requests hold or wait for key's turn.
func waitForQueued(t *testing.T, c *Client, key string, n int) {
	t.Helper()
	paths := c.http.Transport.(*retryTransport).paths
	for start := time.Now(); time.Since(start) < 10*time.Second; runtime.Gosched() {
		paths.mu.Lock()
		turn := paths.paths[key]
		users := 0
		if turn != nil {
			users = turn.users
		}
		paths.mu.Unlock()
		if users >= n {
			return
		}
	}
	t.Errorf("%d requests for %s never queued", n, key)
}

// A cancelled caller leaves the queue without taking a turn.
func TestInflightWaitEndsOnCancel(t *testing.T) {
	t.Parallel()
	var q inflightPaths
	release, err := q.acquire(context.Background(), http.MethodPost, "/admin/identities")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.acquire(ctx, http.MethodPost, "/admin/identities"); err == nil {
		t.Fatal("a second create got a turn while the first was out")
	}
	release()
	again, err := q.acquire(context.Background(), http.MethodPost, "/admin/identities")
	if err != nil {
		t.Fatalf("after the first create: %v", err)
	}
	again()
	if len(q.paths) != 0 {
		t.Errorf("idle paths are kept: %v", q.paths)
	}
}
