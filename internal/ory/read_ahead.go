package ory

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// readAhead serves a mass refresh from a listing of the whole project.
// Terraform refreshes at most -parallelism resources at once, so coalesced
// reads carry about ten ids each: a plan of 1,000 identities would be 100
// list calls, more than a minute of Ory Network's medium bucket on the
// Production tier. Once a run has asked for readAheadAfter identities in
// batches, the next batch lists the whole project instead (pages of 500, the
// most Kratos v26 returns), and reads that arrive within readAheadFor of the
// listing are served from it. A refresh reads each identity as it was at
// some moment of the refresh either way. An id the listing lacks is read as
// before, so a 404 still comes from the server; any write of this client
// drops the listing and starts the count again, so a read after a write
// sees it and an apply is not listed between its writes; a project too big
// to list in readAheadPages pages is not listed again.
type readAhead struct {
	mu sync.Mutex
	// requested counts the ids asked for in batches since this client's
	// last write.
	requested int
	// generation counts writes: a listing taken across a write is dropped.
	generation int
	taking     chan struct{}
	listing    map[string]*Identity
	takenAt    time.Time
	tooBig     bool
}

const (
	readAheadAfter    = 50
	readAheadPageSize = 500
	readAheadPages    = 4
	readAheadFor      = 20 * time.Second
)

// errTooBig stops a listing that outgrows readAheadPages.
var errTooBig = errors.New("project too big to read ahead")

// lookup returns a copy of identity id from a fresh listing.
func (r *readAhead) lookup(id string) (*Identity, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.fresh() {
		return nil, false
	}
	i, ok := r.listing[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	cp := *i
	return &cp, true
}

// forget drops the listing, and the count of reads asked for: this client
// wrote. Reads between writes (an apply that reads each identity before
// and after writing it) are not a mass refresh, and a listing would not
// outlive the next write.
func (r *readAhead) forget() {
	r.mu.Lock()
	r.generation++
	r.listing = nil
	r.requested = 0
	r.mu.Unlock()
}

// serve reads ids from a listing of the whole project when the run has
// asked for enough identities to make that cheaper; ok is false when it
// does not (a small run, a project too big, a failed or outdated listing).
// Ids the listing lacks are absent from found.
func (r *readAhead) serve(ctx context.Context, c *Client, ids []string) (found map[string]*Identity, ok bool) {
	r.mu.Lock()
	r.requested += len(ids)
	if r.tooBig || r.requested < readAheadAfter {
		r.mu.Unlock()
		return nil, false
	}
	for r.taking != nil {
		// Another batch is listing: its listing serves this one too.
		wait := r.taking
		r.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, false
		}
		r.mu.Lock()
	}
	if !r.fresh() {
		r.taking = make(chan struct{})
		generation, started := r.generation, time.Now()
		r.mu.Unlock()
		listing, err := r.list(ctx, c)
		r.mu.Lock()
		close(r.taking)
		r.taking = nil
		switch {
		case errors.Is(err, errTooBig):
			r.tooBig = true
		case err == nil && generation == r.generation:
			r.listing, r.takenAt = listing, started
		}
		if err != nil {
			tflog.Debug(ctx, "not reading ahead", map[string]any{"reason": err.Error()})
		}
	}
	defer r.mu.Unlock()
	if r.listing == nil {
		return nil, false
	}
	found = make(map[string]*Identity, len(ids))
	for _, id := range ids {
		if i, ok := r.listing[strings.ToLower(id)]; ok {
			cp := *i
			found[id] = &cp
		}
	}
	return found, true
}

// list reads the whole project, with password fingerprints as single reads
// have them.
func (r *readAhead) list(ctx context.Context, c *Client) (map[string]*Identity, error) {
	out := map[string]*Identity{}
	var tooBig bool
	err := c.EachIdentity(ctx, ListOptions{PageSize: readAheadPageSize, Identifiers: true}, func(i Identity) bool {
		if len(out) >= readAheadPageSize*readAheadPages {
			tooBig = true
			return false
		}
		out[strings.ToLower(i.ID)] = &i
		return true
	})
	switch {
	case err != nil:
		return nil, err
	case tooBig:
		return nil, errTooBig
	}
	tflog.Debug(ctx, "read the whole project ahead of a mass refresh", map[string]any{"identities": len(out)})
	return out, nil
}

// fresh reports whether there is a listing young enough to serve reads;
// r.mu is held.
func (r *readAhead) fresh() bool {
	return r.listing != nil && time.Since(r.takenAt) <= readAheadFor
}
