package ory

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// parallelism is the CLI's default -parallelism.
const parallelism = 10

// refreshLike reads ids as Terraform refreshes them: rounds of parallelism
// concurrent reads, each round after the one before it has its answers.
// It fails t when a read fails or returns another identity.
func refreshLike(t *testing.T, c *Client, ids []string) {
	t.Helper()
	for start := 0; start < len(ids); start += parallelism {
		var wg sync.WaitGroup
		for _, id := range ids[start:min(start+parallelism, len(ids))] {
			wg.Go(func() {
				got, err := c.GetIdentity(context.Background(), id)
				switch {
				case err != nil:
					t.Errorf("GetIdentity(%s): %v", id, err)
				case got.ID != id:
					t.Errorf("GetIdentity(%s) returned %s", id, got.ID)
				}
			})
		}
		wg.Wait()
	}
}

func seedMany(fk *fakeKratos, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fk.seed(map[string]any{"email": fmt.Sprintf("u%d@example.com", i)}, time.Now())
	}
	return ids
}

// A refresh of many identities is served by one listing of the project once
// it has asked for readAheadAfter of them, not by a list call per round.
func TestReadAheadServesMassRefresh(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	ids := seedMany(fk, 200)
	c, _ := newTestClient(t, fk.srv.URL, "")

	refreshLike(t, c, ids)

	// Four rounds of ten ids before the threshold, the fifth lists the project.
	if got, want := fk.count(routeList), readAheadAfter/parallelism; got != want {
		t.Errorf("list calls = %d, want %d (rounds before reading ahead, and one listing)", got, want)
	}
	if got := fk.count(routeGet); got != 0 {
		t.Errorf("single reads = %d, want 0", got)
	}
}

// A write of this client drops the listing: a read after it sees the write.
func TestReadAheadDroppedByWrite(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	ids := seedMany(fk, 100)
	c, _ := newTestClient(t, fk.srv.URL, "")
	refreshLike(t, c, ids)

	changed := emailInput("changed@example.com")
	if _, err := c.UpdateIdentity(context.Background(), ids[7], changed); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetIdentity(context.Background(), ids[7])
	if err != nil {
		t.Fatal(err)
	}
	if !SameJSON(got.Traits, changed.Traits) {
		t.Errorf("read after the write returned traits %v, want the written ones", got.Traits)
	}
}

// An apply reads identities between its writes (a password's before and
// after its PUT): those reads are no mass refresh, and no listing is taken
// that the next write would drop anyway.
func TestReadAheadNotBetweenWrites(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	ids := seedMany(fk, 3*readAheadAfter)
	c, _ := newTestClient(t, fk.srv.URL, "")

	for i := 0; i+parallelism <= len(ids); i += parallelism {
		refreshLike(t, c, ids[i:i+parallelism])
		if _, err := c.UpdateIdentity(context.Background(), ids[i], emailInput(fmt.Sprintf("w%d@example.com", i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range fk.requests() {
		if r.route == routeList && !strings.Contains(r.query, "ids=") {
			t.Fatalf("the project was listed (%s) between writes", r.query)
		}
	}
	if got, want := fk.count(routeList), len(ids)/parallelism; got != want {
		t.Errorf("list calls = %d, want %d: one per round of reads", got, want)
	}
}

// An id the listing lacks is read from the server, which says it is gone.
func TestReadAheadMissingIDReadFromServer(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	ids := seedMany(fk, 60)
	c, _ := newTestClient(t, fk.srv.URL, "")
	refreshLike(t, c, ids)
	before := fk.count(routeList) + fk.count(routeGet)

	_, err := c.GetIdentity(context.Background(), "00000000-0000-4000-8000-999999999999")
	if !IsNotFound(err) {
		t.Fatalf("GetIdentity(unknown) = %v, want ErrNotFound", err)
	}
	if after := fk.count(routeList) + fk.count(routeGet); after != before+1 {
		t.Errorf("reads of the unknown id = %d, want 1", after-before)
	}
}

// A project bigger than readAheadPages pages is listed once, then read in
// batches as before.
func TestReadAheadGivesUpOnBigProject(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	ids := seedMany(fk, readAheadPageSize*readAheadPages+1)
	c, _ := newTestClient(t, fk.srv.URL, "")

	refreshLike(t, c, ids[:100])

	// Ten rounds, each a list call, and the one listing that gave up.
	if got := fk.count(routeList); got != 11 {
		t.Errorf("list calls = %d, want 11", got)
	}
	if !c.reads.ahead.tooBig {
		t.Error("the listing did not give up")
	}
}

// Where the server announces rate limits, a lone read goes out as a list
// call, in the bucket its batch waited for room in, not as a GET of the one
// identity (a bucket of its own, 80 a minute on Ory Network's Production).
func TestLoneReadIsAListCallWhereRateLimited(t *testing.T) {
	t.Parallel()
	fk := newFakeKratos(t)
	ids := seedMany(fk, 2)
	limits := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Ratelimit-Limit", "5, 5;w=1, 90;w=60")
			w.Header().Set("X-Ratelimit-Remaining", "80")
			w.Header().Set("X-Ratelimit-Reset", "30")
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(limits(http.HandlerFunc(fk.serve)))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL, "")

	for _, id := range ids {
		got, err := c.GetIdentity(context.Background(), id)
		if err != nil || got.ID != id {
			t.Fatalf("GetIdentity(%s) = %v, %v", id, got, err)
		}
	}
	// The first read learns the limits; the second is a list call.
	if gets, lists := fk.count(routeGet), fk.count(routeList); gets != 1 || lists != 1 {
		t.Errorf("single GETs = %d, list calls = %d; want 1 and 1", gets, lists)
	}
}
