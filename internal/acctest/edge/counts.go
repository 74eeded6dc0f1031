package edge

import (
	"fmt"
	"strings"
	"time"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// Counts are what the edge answered.
type Counts struct {
	// Requests counts every request the edge answered.
	Requests int
	// Unauthorized counts the 401s: no key or a wrong one.
	Unauthorized int
	// Buckets holds the counts of the requests in each bucket.
	Buckets map[ory.Bucket]BucketCounts
}

// BucketCounts are one bucket's requests by what became of them.
type BucketCounts struct {
	Requests int
	// Forwarded requests were admitted and sent on to Kratos.
	Forwarded int
	// RateLimited got 429 because a window was full.
	RateLimited int
	// Inflight got 429 because the same method and path was being forwarded.
	Inflight int
}

// RateLimited is the number of 429s for full windows, over all buckets.
func (c Counts) RateLimited() int { return c.sum(func(b BucketCounts) int { return b.RateLimited }) }

// Inflight is the number of 429s for the inflight rule, over all buckets.
func (c Counts) Inflight() int { return c.sum(func(b BucketCounts) int { return b.Inflight }) }

// TooMany is the number of 429s, whatever the cause.
func (c Counts) TooMany() int { return c.RateLimited() + c.Inflight() }

func (c Counts) sum(f func(BucketCounts) int) int {
	n := 0
	for _, b := range c.Buckets {
		n += f(b)
	}
	return n
}

// String is one line for a log, e.g. "104 requests, 3 answered 429 (rate 2,
// inflight 1), 0 answered 401; kratos-admin-low: 64 requests, 61 forwarded,
// 429 rate 2, inflight 1; ...".
func (c Counts) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests, %d answered 429 (rate %d, inflight %d), %d answered 401",
		c.Requests, c.TooMany(), c.RateLimited(), c.Inflight(), c.Unauthorized)
	for _, name := range ory.Buckets {
		if bc, ok := c.Buckets[name]; ok && bc.Requests > 0 {
			fmt.Fprintf(&b, "; %s: %d requests, %d forwarded, 429 rate %d, inflight %d",
				name, bc.Requests, bc.Forwarded, bc.RateLimited, bc.Inflight)
		}
	}
	return b.String()
}

// Bound is the least time tier's limits allow for the requests the edge
// forwarded: the largest Bound over the buckets.
func (c Counts) Bound(tier ory.Tier) time.Duration {
	var d time.Duration
	for name, bc := range c.Buckets {
		d = max(d, Bound(tier.Limits[name], bc.Forwarded))
	}
	return d
}

// Bound is the least time a bucket with limit l needs to admit n requests,
// starting from fresh windows: when the n-th is admitted if each arrives as
// soon as the fixed 1 s and 60 s windows have room.
func Bound(l ory.Limit, n int) time.Duration {
	if n <= 0 || l.PerSecond <= 0 || l.PerMinute <= 0 {
		return 0
	}
	// A minute holds at most 60 one-second windows.
	perMinute := min(l.PerMinute, 60*l.PerSecond)
	i := n - 1
	return time.Duration(60*(i/perMinute)+(i%perMinute)/l.PerSecond) * time.Second
}
