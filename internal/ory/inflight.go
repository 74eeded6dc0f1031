package ory

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// inflightPaths lets one request at a time through for each method and path
// that Ory Network's edge refuses to take twice at once (OneAtATime: the
// identity writes, so a run's creates queue up). Others wait their turn, in
// the order they came, instead of being answered 429. It does the same on
// self-hosted Kratos, where it costs a map lookup.
type inflightPaths struct {
	mu    sync.Mutex
	paths map[string]*pathTurn
}

type pathTurn struct {
	// busy holds a token while a request of the path is out.
	busy chan struct{}
	// users counts holders and waiters, so an idle path is forgotten.
	users int
}

// acquire waits for the turn of method and path and returns its release.
func (q *inflightPaths) acquire(ctx context.Context, method, path string) (func(), error) {
	if !OneAtATime(method, path) {
		return func() {}, nil
	}
	key := method + " " + path
	q.mu.Lock()
	if q.paths == nil {
		q.paths = map[string]*pathTurn{}
	}
	turn := q.paths[key]
	if turn == nil {
		turn = &pathTurn{busy: make(chan struct{}, 1)}
		q.paths[key] = turn
	}
	turn.users++
	q.mu.Unlock()

	release := func() {
		<-turn.busy
		q.leave(key, turn)
	}
	select {
	case turn.busy <- struct{}{}:
		return release, nil
	default:
	}
	tflog.Debug(ctx, "waiting for another request to the same path: Ory Network takes one at a time", map[string]any{"method": method, "path": path})
	select {
	case turn.busy <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		q.leave(key, turn)
		return nil, ctx.Err()
	}
}

func (q *inflightPaths) leave(key string, turn *pathTurn) {
	q.mu.Lock()
	defer q.mu.Unlock()
	turn.users--
	if turn.users == 0 {
		delete(q.paths, key)
	}
}
