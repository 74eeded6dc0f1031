package ory

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryTransport adds the API key and retries answers that say "try again":
// 429 (honouring Retry-After), 502, 503, 504, and requests that never got an
// answer, with capped exponential backoff and a bounded number of attempts.
type retryTransport struct {
	next       http.RoundTripper
	apiKey     string
	userAgent  string
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	// sleep waits for d or until ctx ends; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		r := req.Clone(req.Context())
		if attempt > 0 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errors.New("ory: request body can not be replayed for a retry")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r.Body = body
		}
		if t.apiKey != "" {
			r.Header.Set("Authorization", "Bearer "+t.apiKey)
		}
		if t.userAgent != "" {
			r.Header.Set("User-Agent", t.userAgent)
		}

		resp, err := t.next.RoundTrip(r)
		wait, retry := t.shouldRetry(req, resp, err, attempt)
		if !retry {
			return resp, err
		}
		if resp != nil {
			// Drain so the kept-alive connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// shouldRetry decides whether attempt (0-based) is followed by another, and
// how long to wait before it.
func (t *retryTransport) shouldRetry(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= t.maxRetries || req.Context().Err() != nil {
		return 0, false
	}
	if err != nil {
		// A create that got no answer may have happened: never send it twice.
		if req.Method == http.MethodPost {
			return 0, false
		}
		return t.backoff(attempt), true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, t.maxBackoff), true
		}
		return t.backoff(attempt), true
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return t.backoff(attempt), true
	}
	return 0, false
}

// backoff is exponential from minBackoff, capped at maxBackoff, with jitter
// in its upper half so that parallel applies do not retry in step.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.minBackoff << min(attempt, 16)
	if d <= 0 || d > t.maxBackoff {
		d = t.maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
