package ory

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// A serial batch whose request could not go out yet (ready has not
// returned, as when its rate-limit bucket is full) keeps taking in calls,
// so that they leave as one request.
func TestGathererGathersUntilReady(t *testing.T) {
	t.Parallel()
	waiting, release := make(chan struct{}), make(chan struct{})
	g := gatherer[int, struct{}]{window: time.Millisecond, max: 100, serial: true, ready: func(context.Context) {
		close(waiting)
		<-release
	}}
	var mu sync.Mutex
	var flushed [][]int
	flush := func(_ context.Context, items []int) struct{} {
		mu.Lock()
		defer mu.Unlock()
		flushed = append(flushed, slices.Clone(items))
		return struct{}{}
	}
	var wg sync.WaitGroup
	join := func(i int) {
		wg.Go(func() {
			if _, _, err := g.join(context.Background(), i, flush); err != nil {
				t.Error(err)
			}
		})
	}
	join(0)
	<-waiting // the window has ended; the batch waits to be sent
	for i := 1; i < 5; i++ {
		join(i)
	}
	for {
		g.mu.Lock()
		n := len(g.pending.items)
		g.mu.Unlock()
		if n == 5 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if len(flushed) != 1 || len(flushed[0]) != 5 {
		t.Errorf("flushed %v, want one batch of the five calls", flushed)
	}
}
