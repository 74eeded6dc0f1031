package ory

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// pacer keeps a Client under Ory Network's rate limits instead of finding
// them by 429s. Per bucket (BucketOf) it keeps what the answers' headers say
// is left (x-ratelimit-remaining) and until when (x-ratelimit-reset, or the
// shortest window of x-ratelimit-limit when the reset says 0), counts the
// requests in flight against it, and holds back requests that would go
// beyond it. Every call of the Client shares it: one run, one view of the
// project's buckets.
//
// The edge's windows start with the first request after the previous one
// ended, which the client can not see. So each window opens with one
// request alone (a probe); its answer says what is left, and the window
// started no later than that answer arrived. Self-hosted Kratos sends no
// rate-limit headers: after the first answer of a bucket says so, the
// pacer only counts.
type pacer struct {
	policy *retryPolicy

	mu      sync.Mutex
	buckets map[Bucket]*bucketPace
}

type paceMode int

const (
	// paceUnknown: no answer yet; probe first.
	paceUnknown paceMode = iota
	// paceOff: the server sends no rate-limit headers (self-hosted Kratos).
	paceOff
	// paceOn: the server sends them (Ory Network).
	paceOn
)

// bucketPace is the pacer's view of one bucket. Answers belong to the epoch
// (window) their request was sent in; an answer of an earlier epoch says
// nothing about the current one.
type bucketPace struct {
	mode  paceMode
	epoch int
	// probing: the epoch's first request is out and has no answer yet.
	probing bool
	// measured: an answer of this epoch has said what is left.
	measured bool
	// sent counts the requests ever sent; this epoch lets it grow to cap.
	// Each answer bounds cap by what it reported left, less the requests
	// it may not have counted: those in flight when it arrived (the edge
	// counts on arrival, and answers may come back in another order; the
	// answer to the request that arrived last counts all others). The
	// least of these bounds holds.
	sent, cap int
	// epochStart is when the epoch's first answer arrived: the shortest
	// window (x-ratelimit-limit's w=1 at Ory), whose reset says 0, started
	// no later.
	epochStart time.Time
	shortest   time.Duration
	// longReset is the earliest a longer window (w=60) surely ends, from
	// the answers whose reset was above 0; longBinds says that such an
	// answer set cap.
	longReset time.Time
	longBinds bool
	// holdUntil holds every request after a 429.
	holdUntil time.Time
	// inflight counts requests sent and not yet answered, of any epoch:
	// those of an earlier epoch may still land in this one's window.
	inflight int
	// limit is the last x-ratelimit-limit, for errors and logs.
	limit string
	// share is the even share of the longest window per request, from
	// x-ratelimit-limit, that leaves room for burst requests at once;
	// due is when the bucket's requests, sent at that pace, would have
	// caught up (see waitForShare).
	share time.Duration
	burst int
	due   time.Time
	// changed is closed when an answer or a hold changes the above.
	changed chan struct{}
}

func newPacer(policy *retryPolicy) *pacer {
	return &pacer{policy: policy, buckets: map[Bucket]*bucketPace{}}
}

// ticket is one reserved slot of a bucket; settle returns it.
type ticket struct {
	b     *bucketPace
	epoch int
	probe bool
	// inflight is how many other requests were out when it was sent.
	inflight int
}

// reserve waits until bucket has room for one more request and takes it.
// It fails with a *RateLimitError, without waiting, when the room frees up
// only after deadline.
func (p *pacer) reserve(ctx context.Context, bucket Bucket, deadline time.Time) (ticket, error) {
	return p.await(ctx, bucket, deadline, awaitSlot)
}

// waitForRoom waits until bucket has room for one more request, as reserve
// does, without taking it: a batch keeps gathering while its bucket is full,
// so that the calls it holds leave as one request.
func (p *pacer) waitForRoom(ctx context.Context, bucket Bucket, deadline time.Time) error {
	_, err := p.await(ctx, bucket, deadline, awaitRoom)
	return err
}

// waitForShare is waitForRoom for a batch that may wait its turn: it waits
// also until the bucket's requests are within their even share of its
// longest window, after a short burst (rateLimitHeaders.share). A batch that goes out when
// the bucket merely has room spends a minute's budget in its first seconds
// on batches of one or two calls, and the calls behind them then wait out
// the rest of the minute; paced, each batch carries what gathered meanwhile,
// and the budget lasts the minute.
func (p *pacer) waitForShare(ctx context.Context, bucket Bucket, deadline time.Time) error {
	_, err := p.await(ctx, bucket, deadline, awaitShare)
	return err
}

// shareBurst is the most requests of a bucket that go out at once before
// waitForShare paces them: a small run is not slowed.
const shareBurst = 10

// awaited is what await waits for.
type awaited int

const (
	// awaitSlot: room for a request, and take it (reserve).
	awaitSlot awaited = iota
	// awaitRoom: room, not taken (waitForRoom).
	awaitRoom
	// awaitShare: room and the bucket's even share, not taken (waitForShare).
	awaitShare
)

// await waits for what want says.
func (p *pacer) await(ctx context.Context, bucket Bucket, deadline time.Time, want awaited) (ticket, error) {
	if bucket == "" {
		return ticket{}, nil
	}
	p.mu.Lock()
	b := p.buckets[bucket]
	if b == nil {
		b = &bucketPace{shortest: time.Second, changed: make(chan struct{})}
		p.buckets[bucket] = b
	}
	take := want == awaitSlot
	for {
		now := p.policy.now()
		until, reason := time.Time{}, ""
		switch {
		case now.Before(b.holdUntil):
			until, reason = b.holdUntil, "a request was answered 429"
		case want == awaitShare && b.mode == paceOn && b.due.Sub(now) > b.burstTolerance():
			until, reason = b.due.Add(-b.burstTolerance()), "keeping to the bucket's share of its window"
		case b.mode == paceOff:
			return p.grant(b, false, take), nil
		case b.measured && !now.Before(b.resetAt()):
			// The window has reset: a new epoch, opened by a probe.
			b.newEpoch()
			continue
		case !b.measured && !b.probing:
			b.probing = take
			return p.grant(b, true, take), nil
		case b.measured && b.sent < b.cap:
			return p.grant(b, false, take), nil
		case b.inflight == 0:
			until, reason = b.resetAt(), "the bucket's window is used up"
		}
		if until.IsZero() {
			// A probe is out, or requests whose answers may say the window
			// resets later: wait for them, or for the reset.
			changed, resetIn := b.changed, time.Duration(-1)
			if b.measured {
				resetIn = b.resetAt().Sub(now)
			}
			p.mu.Unlock()
			tflog.Debug(ctx, "waiting for answers in flight before sending more to this rate-limit bucket", map[string]any{"bucket": string(bucket)})
			if err := waitForChange(ctx, changed, resetIn); err != nil {
				return ticket{}, err
			}
			p.mu.Lock()
			continue
		}
		limit := b.limit
		p.mu.Unlock()
		if until.After(deadline) {
			return ticket{}, &RateLimitError{Bucket: bucket, Limit: limit, Next: until.Sub(now)}
		}
		log := tflog.Info
		if want == awaitShare {
			// Every batch may wait its turn; that is no news.
			log = tflog.Debug
		}
		log(ctx, "waiting for Ory Network's rate limit", map[string]any{
			"bucket": string(bucket), "limit": limit, "reason": reason, "wait_ms": until.Sub(now).Milliseconds(),
		})
		if err := p.policy.sleep(ctx, until.Sub(now)); err != nil {
			return ticket{}, err
		}
		p.mu.Lock()
	}
}

// waitForChange waits until changed is closed, or resetIn passes (when not
// negative).
func waitForChange(ctx context.Context, changed <-chan struct{}, resetIn time.Duration) error {
	var reset <-chan time.Time
	if resetIn >= 0 {
		timer := time.NewTimer(resetIn)
		defer timer.Stop()
		reset = timer.C
	}
	select {
	case <-changed:
	case <-reset:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// limited reports whether the server has announced rate limits (Ory
// Network) in an answer of any bucket.
func (p *pacer) limited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.buckets {
		if b.mode == paceOn {
			return true
		}
	}
	return false
}

// grant takes a slot of b when take says so; p.mu is held and released.
func (p *pacer) grant(b *bucketPace, probe, take bool) ticket {
	if !take {
		p.mu.Unlock()
		return ticket{}
	}
	return p.take(b, probe)
}

// take reserves a slot of b; p.mu is held and released.
func (p *pacer) take(b *bucketPace, probe bool) ticket {
	t := ticket{b: b, epoch: b.epoch, probe: probe, inflight: b.inflight}
	b.sent++
	b.inflight++
	if b.share > 0 {
		now := p.policy.now()
		b.due = later(b.due, now).Add(b.share)
	}
	p.mu.Unlock()
	return t
}

// settle returns t's slot and learns from the answer (nil when none came).
func (p *pacer) settle(t ticket, resp *http.Response) {
	b := t.b
	if b == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b.inflight--
	if b.mode == paceOff && resp != nil && resp.Header.Get("X-Ratelimit-Remaining") == "" {
		// Nothing waits on a server that does not limit.
		return
	}
	defer b.notify()
	current := t.epoch == b.epoch
	if current && t.probe {
		b.probing = false
	}
	if resp == nil {
		return
	}
	h, ok := parseRateLimit(resp.Header)
	if !ok {
		// A 429 without headers may come from something in between; only
		// a normal answer says the server does not limit.
		if b.mode == paceUnknown && resp.StatusCode != http.StatusTooManyRequests {
			b.mode = paceOff
		}
		return
	}
	b.mode = paceOn
	b.limit = h.limit
	if w := h.shortestWindow(); w > 0 {
		b.shortest = w
	}
	b.share, b.burst = h.share()
	if !current {
		return
	}
	now := p.policy.now()
	if h.reset > 0 {
		// Whole seconds, maybe cut off: the window ends within a second
		// after; every such answer narrows it.
		if end := now.Add(h.reset + time.Second); b.longReset.IsZero() || end.Before(b.longReset) {
			b.longReset = end
		}
	}
	// Nothing else is sent while the probe is out: every request out when it
	// left may have landed after it.
	uncounted := b.inflight
	if t.probe {
		uncounted = t.inflight
	}
	limit := b.sent + h.remaining - uncounted
	switch {
	case !b.measured:
		b.measured = true
		b.epochStart = now
	case limit > b.cap || (limit == b.cap && h.reset == 0):
		return
	}
	b.cap = limit
	b.longBinds = h.reset > 0
}

// burstTolerance is how far ahead of now the bucket's requests may be of
// their even share, so that burst of them go out at once.
func (b *bucketPace) burstTolerance() time.Duration {
	return time.Duration(b.burst-1) * b.share
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// resetAt is when the window that bounds cap resets: the next epoch
// starts then.
func (b *bucketPace) resetAt() time.Time {
	if b.longBinds {
		return b.longReset
	}
	return b.epochStart.Add(b.shortest)
}

// newEpoch forgets what answers said: the next request probes.
func (b *bucketPace) newEpoch() {
	b.epoch++
	b.measured, b.probing = false, false
	b.longReset, b.longBinds = time.Time{}, false
}

// hold stops every request of bucket until until (a 429 said the window is
// used up); the window after it opens with a probe.
func (p *pacer) hold(bucket Bucket, until time.Time) {
	if bucket == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.buckets[bucket]
	if b == nil || !until.After(b.holdUntil) {
		return
	}
	b.holdUntil = until
	b.newEpoch()
	b.notify()
}

// notify wakes the requests waiting for b to change; p.mu is held.
func (b *bucketPace) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// rateLimitHeaders is what one answer says about its bucket.
type rateLimitHeaders struct {
	// limit is x-ratelimit-limit as sent, e.g. "8, 8;w=1, 175;w=60".
	limit     string
	windows   []rateWindow
	remaining int
	// reset is how long until the window with the least left resets; 0
	// for the shortest window.
	reset time.Duration
}

// rateWindow is one "N;w=S" entry of x-ratelimit-limit.
type rateWindow struct {
	requests int
	width    time.Duration
}

// parseRateLimit reads the x-ratelimit-* headers; ok is false when the
// answer has no x-ratelimit-remaining.
func parseRateLimit(h http.Header) (rateLimitHeaders, bool) {
	rem, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Ratelimit-Remaining")))
	if err != nil {
		return rateLimitHeaders{}, false
	}
	out := rateLimitHeaders{limit: h.Get("X-Ratelimit-Limit"), remaining: max(rem, 0), windows: parseWindows(h.Get("X-Ratelimit-Limit"))}
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Ratelimit-Reset"))); err == nil && s > 0 {
		out.reset = time.Duration(s) * time.Second
	}
	return out, true
}

// parseWindows reads the windows of x-ratelimit-limit ("10, 10;w=1,
// 300;w=60"); the leading number without a window is the burst, skipped.
func parseWindows(v string) []rateWindow {
	var out []rateWindow
	for _, item := range strings.Split(v, ",") {
		fields := strings.Split(item, ";")
		n, err := strconv.Atoi(strings.TrimSpace(fields[0]))
		if err != nil {
			continue
		}
		for _, param := range fields[1:] {
			k, val, _ := strings.Cut(strings.TrimSpace(param), "=")
			if s, err := strconv.Atoi(val); err == nil && k == "w" && s > 0 {
				out = append(out, rateWindow{requests: n, width: time.Duration(s) * time.Second})
			}
		}
	}
	return out
}

func (h rateLimitHeaders) shortestWindow() time.Duration {
	var d time.Duration
	for _, w := range h.windows {
		if d == 0 || w.width < d {
			d = w.width
		}
	}
	return d
}

// share is the even share per request of the longest window that leaves
// room for burst requests at once (at most shareBurst, at most a tenth of
// the window's requests, so that the burst costs little of the pace):
// requests sent at that pace after a burst stay within the window's limit.
// Zero without windows.
func (h rateLimitHeaders) share() (time.Duration, int) {
	var longest rateWindow
	for _, w := range h.windows {
		if w.width > longest.width && w.requests > 0 {
			longest = w
		}
	}
	if longest.requests == 0 {
		return 0, 0
	}
	burst := max(1, min(shareBurst, longest.requests/10))
	return longest.width / time.Duration(longest.requests-burst), burst
}

// tiersMatching names the tiers whose limits for bucket are the windows of
// the x-ratelimit-limit header limit.
func tiersMatching(bucket Bucket, limit string) []string {
	var l Limit
	for _, w := range parseWindows(limit) {
		switch w.width {
		case time.Second:
			l.PerSecond = w.requests
		case time.Minute:
			l.PerMinute = w.requests
		}
	}
	var out []string
	for _, t := range Tiers {
		if tl, ok := t.Limits[bucket]; ok && tl == l {
			out = append(out, t.Name)
		}
	}
	return out
}
