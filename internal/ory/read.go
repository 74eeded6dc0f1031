package ory

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// GetIdentity reads an identity, with the fingerprint of its password hash.
// Reads that arrive together are served by one list call (see readBatcher).
func (c *Client) GetIdentity(ctx context.Context, id string) (*Identity, error) {
	return c.reads.get(ctx, id)
}

// getOne reads one identity with its own request.
func (c *Client) getOne(ctx context.Context, id string) (*Identity, error) {
	var w wireIdentity
	if _, err := c.do(ctx, http.MethodGet, "/admin/identities/"+url.PathEscape(id), url.Values{"include_credential": {"password"}}, nil, &w); err != nil {
		return nil, err
	}
	return w.identity(), nil
}

// getMany reads the identities with the given ids in one request; missing
// ones are absent from the map.
func (c *Client) getMany(ctx context.Context, ids []string) (map[string]*Identity, error) {
	q := url.Values{"ids": ids, "include_credential": {"password"}, "page_size": {fmt.Sprint(len(ids))}}
	page, _, err := c.listPage(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Identity, len(page))
	for i := range page {
		out[page[i].ID] = &page[i]
	}
	return out, nil
}

// readBatcher coalesces reads. Terraform refreshes up to -parallelism
// resources at once; each read joins the batch that is gathering, and the
// batch is sent as one GET /admin/identities?ids=... when its window ends or
// it is full. Every caller gets its own identity or its own ErrNotFound; a
// batch that fails is retried as single reads, so one bad id fails only its
// own caller.
type readBatcher struct {
	c *Client
	gatherer[string, readResult]
	ahead readAhead
	// limited reports whether the server announces rate limits: then even
	// one read goes out as a list call, in the bucket whose share the batch
	// waited for (gathering meanwhile), not as a GET of the one identity.
	limited func() bool
}

// readResult is what one batch of reads found.
type readResult struct {
	found map[string]*Identity
	err   error
}

// batchWindow is how long a batch gathers reads or creates: short against
// what the CLI itself spends per resource at scale (tens of milliseconds),
// long enough for calls it starts one after the other to meet.
const batchWindow = 10 * time.Millisecond

func (b *readBatcher) get(ctx context.Context, id string) (*Identity, error) {
	if i, ok := b.ahead.lookup(id); ok {
		return i, nil
	}
	n, batch, err := b.join(ctx, id, b.send)
	if err != nil {
		return nil, err
	}
	if batch.err != nil {
		if n == 1 {
			return nil, batch.err
		}
		return b.c.getOne(ctx, id)
	}
	i, ok := batch.found[id]
	if !ok {
		return nil, &APIError{Kind: ErrNotFound, Status: http.StatusNotFound, Reason: fmt.Sprintf("identity %s does not exist", id)}
	}
	cp := *i
	return &cp, nil
}

// send reads the identities ids: one GET for one id, one list call for more
// (and for one where the server announces rate limits).
func (b *readBatcher) send(ctx context.Context, ids []string) readResult {
	if len(ids) == 1 && (b.limited == nil || !b.limited()) {
		i, err := b.c.getOne(ctx, ids[0])
		switch {
		case err == nil:
			return readResult{found: map[string]*Identity{i.ID: i}}
		case IsNotFound(err):
			return readResult{found: map[string]*Identity{}}
		default:
			return readResult{err: err}
		}
	}
	found, ok := b.ahead.serve(ctx, b.c, ids)
	if !ok {
		found = map[string]*Identity{}
	}
	var missing []string
	for _, id := range ids {
		if found[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		more, err := b.c.getMany(ctx, missing)
		if err != nil {
			return readResult{err: err}
		}
		maps.Copy(found, more)
	}
	tflog.Debug(ctx, "coalesced identity reads", map[string]any{"reads": len(ids), "read_ahead": len(ids) - len(missing)})
	return readResult{found: found}
}
