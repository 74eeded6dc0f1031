package ory

import (
	"context"
	"slices"
	"sync"
	"time"
)

// gatherer gathers the calls that arrive together into batches: each call
// joins the batch that is gathering, and the batch is flushed once, when its
// window ends or it is full. readBatcher and createBatcher send their
// batches as one request each.
type gatherer[T comparable, R any] struct {
	window time.Duration
	max    int
	// serial sends one batch at a time: a batch whose window has ended
	// keeps gathering while the one before it is in flight, instead of
	// queueing behind it as a request of its own.
	serial bool
	// ready, when set, is waited for before a batch stops gathering: the
	// batch takes in calls until its request could go out.
	ready func(ctx context.Context)
	// refill, when set and above 0, is how long a serial batch may keep
	// gathering after the batch before it was answered, until it holds as
	// many calls as were waiting then: the callers just answered come back
	// with their next calls, and would otherwise split every later batch
	// in two.
	refill func() time.Duration

	mu      sync.Mutex
	pending *gathering[T, R]
	sending sync.Mutex
	// answered is when the last batch was answered, and waiting how many
	// calls were in it and in the batch gathering then.
	answered time.Time
	waiting  int
}

type gathering[T comparable, R any] struct {
	ctx   context.Context
	items []T
	done  chan struct{}
	// taken is set when the batch stops gathering, to be sent.
	taken bool
	// Set before done is closed.
	result R
}

// join adds item to the batch that is gathering (once: an item already in
// it is not added again), waits until flush has handled the batch and
// returns the batch's size and flush's result, or ctx's error.
func (g *gatherer[T, R]) join(ctx context.Context, item T, flush func(ctx context.Context, items []T) R) (int, R, error) {
	g.mu.Lock()
	batch := g.pending
	if batch == nil || len(batch.items) >= g.max {
		// The batch outlives the caller that opened it: it serves others too.
		batch = &gathering[T, R]{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		g.pending = batch
		time.AfterFunc(g.window, func() { g.flush(batch, flush) })
	}
	if !slices.Contains(batch.items, item) {
		batch.items = append(batch.items, item)
	}
	full := len(batch.items) >= g.max
	g.mu.Unlock()
	if full {
		g.flush(batch, flush)
	}

	select {
	case <-batch.done:
		return len(batch.items), batch.result, nil
	case <-ctx.Done():
		var zero R
		return 0, zero, ctx.Err()
	}
}

// flush hands batch to fn once, whoever calls first: the window's timer or
// the caller that filled it.
func (g *gatherer[T, R]) flush(batch *gathering[T, R], fn func(ctx context.Context, items []T) R) {
	if g.serial {
		g.sending.Lock()
		defer g.sending.Unlock()
		g.awaitRefill(batch)
	}
	if g.ready != nil {
		g.ready(batch.ctx)
	}
	g.mu.Lock()
	if batch.taken {
		g.mu.Unlock()
		return
	}
	batch.taken = true
	if g.pending == batch {
		g.pending = nil
	}
	g.mu.Unlock()
	batch.result = fn(batch.ctx, batch.items)
	close(batch.done)
	if g.serial {
		g.mu.Lock()
		g.answered, g.waiting = time.Now(), len(batch.items)
		if g.pending != nil {
			g.waiting += len(g.pending.items)
		}
		g.mu.Unlock()
	}
}

// awaitRefill holds batch open for refill after the last answer, until it
// holds as many calls as were waiting then, or is full.
func (g *gatherer[T, R]) awaitRefill(batch *gathering[T, R]) {
	if g.refill == nil {
		return
	}
	d := g.refill()
	if d <= 0 {
		return
	}
	for {
		g.mu.Lock()
		taken, n, want, until := batch.taken, len(batch.items), min(g.waiting, g.max), g.answered.Add(d)
		g.mu.Unlock()
		if taken || n >= want || !time.Now().Before(until) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
