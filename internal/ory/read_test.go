package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// getAll reads ids concurrently, as Terraform's refresh does.
func getAll(c *Client, ids []string) ([]*Identity, []error) {
	got := make([]*Identity, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for n, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[n], errs[n] = c.GetIdentity(context.Background(), id)
		}()
	}
	wg.Wait()
	return got, errs
}

// withWindow gives reads a window long enough for every goroutine of a test
// to join one batch, however busy the machine.
func withWindow(c *Client, d time.Duration) { c.reads.window = d }

// Reads that arrive together are one list call; every caller gets its own
// identity, with the password fingerprint from the same call.
func TestReadsAreCoalesced(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	var ids []string
	for n := range 10 {
		id := fk.seed(map[string]any{"email": fmt.Sprintf("u%d@example.com", n)}, time.Now())
		fk.identities[id].hash = "$2a$04$hash" + id
		ids = append(ids, id)
	}
	c, _ := newTestClient(t, fk.srv.URL, "")
	withWindow(c, 200*time.Millisecond)

	got, errs := getAll(c, ids)
	for n, id := range ids {
		if errs[n] != nil {
			t.Fatalf("read %s: %v", id, errs[n])
		}
		if got[n].ID != id || got[n].Traits.(map[string]any)["email"] != fmt.Sprintf("u%d@example.com", n) {
			t.Errorf("caller %d got identity %s with traits %v", n, got[n].ID, got[n].Traits)
		}
		if got[n].PasswordFingerprint != fingerprintOf("$2a$04$hash"+id) {
			t.Errorf("caller %d: fingerprint %q", n, got[n].PasswordFingerprint)
		}
	}
	if l, g := fk.count(routeList), fk.count(routeGet); l != 1 || g != 0 {
		t.Errorf("list calls = %d, single reads = %d; want one list call for 10 reads", l, g)
	}
}

// A read of an identity that does not exist is ErrNotFound for that caller
// only; the batch serves the others.
func TestCoalescedReadNotFound(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	a := fk.seed(map[string]any{"email": "a@example.com"}, time.Now())
	b := fk.seed(map[string]any{"email": "b@example.com"}, time.Now())
	missing := "7c0e3b5e-4e0e-4a8a-9f8e-000000000000"
	c, _ := newTestClient(t, fk.srv.URL, "")
	withWindow(c, 200*time.Millisecond)

	got, errs := getAll(c, []string{a, missing, b, a})
	if errs[0] != nil || errs[2] != nil || errs[3] != nil || got[0].ID != a || got[2].ID != b || got[3].ID != a {
		t.Fatalf("existing identities: %v", errs)
	}
	if !errors.Is(errs[1], ErrNotFound) {
		t.Errorf("missing identity: err = %v, want ErrNotFound", errs[1])
	}
	if got[0] == got[3] {
		t.Error("two callers share one *Identity: a caller's change would show in the other's")
	}
	if n := fk.count(routeList); n != 1 {
		t.Errorf("list calls = %d, want 1", n)
	}
}

// A batch the API refuses is retried as single reads, so that each caller
// gets its own answer.
func TestFailedBatchFallsBackToSingleReads(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	a := fk.seed(map[string]any{"email": "a@example.com"}, time.Now())
	b := fk.seed(map[string]any{"email": "b@example.com"}, time.Now())
	fk.plan = func(route string, _ int) fault {
		if route == routeList {
			return fault{status: http.StatusBadRequest}
		}
		return noFault
	}
	c, _ := newTestClient(t, fk.srv.URL, "")
	withWindow(c, 200*time.Millisecond)

	got, errs := getAll(c, []string{a, b})
	if errs[0] != nil || errs[1] != nil || got[0].ID != a || got[1].ID != b {
		t.Fatalf("reads after a failed batch: %v %v", errs[0], errs[1])
	}
	if l, g := fk.count(routeList), fk.count(routeGet); l != 1 || g != 2 {
		t.Errorf("list calls = %d, single reads = %d; want 1 and 2", l, g)
	}
}

// A lone read is a single GET and waits only the short window.
func TestLoneReadIsOneGet(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	a := fk.seed(map[string]any{"email": "a@example.com"}, time.Now())
	c, _ := newTestClient(t, fk.srv.URL, "")

	if _, err := c.GetIdentity(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIdentity(context.Background(), "7c0e3b5e-4e0e-4a8a-9f8e-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing identity: err = %v, want ErrNotFound", err)
	}
	if l, g := fk.count(routeList), fk.count(routeGet); l != 0 || g != 2 {
		t.Errorf("list calls = %d, single reads = %d; want 0 and 2", l, g)
	}
}

// A full batch is sent at once, without waiting for its window, and the
// reads beyond it start the next batch.
func TestFullBatchIsSentAtOnce(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	var ids []string
	for n := range 5 {
		ids = append(ids, fk.seed(map[string]any{"email": fmt.Sprintf("u%d@example.com", n)}, time.Now()))
	}
	c, _ := newTestClient(t, fk.srv.URL, "")
	withWindow(c, time.Hour)
	c.reads.max = 5

	_, errs := getAll(c, ids)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fk.count(routeList); n != 1 {
		t.Errorf("list calls = %d, want 1", n)
	}
}

// A caller that gives up returns at once; the batch still serves the others.
func TestCancelledReadLeavesTheBatch(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	a := fk.seed(map[string]any{"email": "a@example.com"}, time.Now())
	c, _ := newTestClient(t, fk.srv.URL, "")
	withWindow(c, 300*time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.GetIdentity(ctx, a)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	other := make(chan error, 1)
	go func() {
		_, err := c.GetIdentity(context.Background(), a)
		other <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled read: err = %v, want context.Canceled", err)
		}
	case <-time.After(100 * time.Millisecond):
		t.Fatal("a cancelled read waited for its batch")
	}
	if err := <-other; err != nil {
		t.Errorf("the other caller of the batch: %v", err)
	}
}
