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
	g := gatherer[int, int]{window: time.Millisecond, max: 100, serial: true, ready: func(context.Context) {
		close(waiting)
		<-release
	}}
	var mu sync.Mutex
	var flushed [][]int
	flush := func(_ context.Context, items []int) int {
		mu.Lock()
		defer mu.Unlock()
		flushed = append(flushed, slices.Clone(items))
		return len(items)
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

// After a serial batch is answered, the next one keeps gathering (for up
// to refill) until it holds as many calls as were waiting, so that the
// callers just answered, coming back, do not split every batch in two.
func TestGathererRefillsAfterAnAnswer(t *testing.T) {
	t.Parallel()
	gathered, inFlight, answer := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var once sync.Once
	g := gatherer[int, int]{window: time.Millisecond, max: 100, serial: true,
		// The first batch waits until it holds its three calls.
		ready:  func(context.Context) { once.Do(func() { <-gathered }) },
		refill: func() time.Duration { return time.Minute }}
	pending := func() int {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.pending == nil {
			return 0
		}
		return len(g.pending.items)
	}
	waitPending := func(n int) {
		for pending() != n {
			time.Sleep(time.Millisecond)
		}
	}
	var mu sync.Mutex
	var flushed [][]int
	flush := func(_ context.Context, items []int) int {
		mu.Lock()
		first := len(flushed) == 0
		flushed = append(flushed, slices.Clone(items))
		mu.Unlock()
		if first {
			close(inFlight)
			<-answer
		}
		return len(items)
	}
	var first, rest sync.WaitGroup
	join := func(wg *sync.WaitGroup, i int) {
		wg.Go(func() {
			if _, _, err := g.join(context.Background(), i, flush); err != nil {
				t.Error(err)
			}
		})
	}
	for i := range 3 {
		join(&first, i)
	}
	waitPending(3)
	close(gathered)
	<-inFlight
	join(&rest, 3)
	join(&rest, 4)
	waitPending(2)
	close(answer)
	first.Wait() // the first three are answered, and come back
	for i := 5; i < 8; i++ {
		join(&rest, i)
	}
	rest.Wait()
	if len(flushed) != 2 || len(flushed[1]) != 5 {
		t.Errorf("flushed %v, want the first three, then the five waiting when they were answered", flushed)
	}
}
