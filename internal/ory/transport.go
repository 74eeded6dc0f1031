package ory

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// retryTransport adds the API key and User-Agent, logs every attempt and
// retries by meaning: an answer that says the request was not processed (429,
// 503, a connection that never opened) is sent again; an answer that leaves
// the outcome open (502, 504, a lost connection, a timeout) is sent again only
// for reads. For writes it becomes an *OutcomeUnknownError, which the write's
// resolve step turns into a fact before anything is resent (see write.go).
type retryTransport struct {
	next   http.RoundTripper
	apiKey string
	// apiHost is the only host the API key is sent to: Kratos answers
	// /schemas on its admin API with a redirect to the public one.
	apiHost   string
	userAgent string
	policy    *retryPolicy
	// pacer and paths keep the client within Ory Network's rate and
	// inflight limits (see pacer.go, inflight.go).
	pacer *pacer
	paths *inflightPaths
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var bucket Bucket
	if req.URL.Host == t.apiHost {
		bucket = BucketOf(req.Method, req.URL.Path)
		release, err := t.paths.acquire(ctx, req.Method, req.URL.Path)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	start := t.policy.now()
	deadline := start.Add(t.policy.rateLimitWait)
	for attempt, retries := 0, 0; ; attempt++ {
		slot, err := t.pacer.reserve(ctx, bucket, deadline)
		if err != nil {
			return nil, t.rateLimitError(err, req, start)
		}
		r, err := t.prepare(req, attempt)
		if err != nil {
			t.pacer.settle(slot, nil)
			return nil, err
		}
		sent := time.Now()
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			if err = bufferBody(resp); err != nil {
				resp = nil
			}
		}
		t.pacer.settle(slot, resp)
		logAttempt(ctx, req, attempt, resp, err, time.Since(sent))

		o := outcomeOf(req.Method, resp, err)
		limited := resp != nil && resp.StatusCode == http.StatusTooManyRequests
		// A 429 is bounded by the time it costs (rate_limit_wait), any other
		// refusal by a count (max_retries).
		if o.kind == outcomeFinal || ctx.Err() != nil ||
			(o.kind == outcomeNotProcessed && !limited && retries >= t.policy.maxRetries) {
			// The last answer, with the server's own reason, is the error.
			return resp, err
		}
		if resp != nil {
			// Drain so the kept-alive connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		if o.kind == outcomeUnknown {
			return nil, &OutcomeUnknownError{Method: req.Method, Path: req.URL.Path, Cause: o.reason}
		}
		wait := t.policy.wait(attempt, resp)
		if limited {
			now := t.policy.now()
			if now.Add(wait).After(deadline) {
				return nil, t.rateLimitError(&RateLimitError{Bucket: bucket, Limit: resp.Header.Get("X-Ratelimit-Limit"), Next: wait}, req, start)
			}
			// The window is used up for every request of the bucket.
			t.pacer.hold(bucket, now.Add(wait))
		} else {
			retries++
		}
		tflog.Info(ctx, "retrying Ory API request", map[string]any{
			"method": req.Method, "path": req.URL.Path, "reason": o.reason,
			"retry": attempt + 1, "wait_ms": wait.Milliseconds(),
		})
		if err := t.policy.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// rateLimitError completes a *RateLimitError from the pacer or the retry
// loop with the request and how long it waited; other errors pass.
func (t *retryTransport) rateLimitError(err error, req *http.Request, start time.Time) error {
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		return err
	}
	rl.Method, rl.Path = req.Method, req.URL.Path
	rl.Waited, rl.Budget = t.policy.now().Sub(start), t.policy.rateLimitWait
	return rl
}

// prepare clones req for one attempt, with a fresh body and the headers.
func (t *retryTransport) prepare(req *http.Request, attempt int) (*http.Request, error) {
	r := req.Clone(req.Context())
	if attempt > 0 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("ory: request body can not be replayed for a retry")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	if t.apiKey != "" && r.URL.Host == t.apiHost {
		r.Header.Set("Authorization", "Bearer "+t.apiKey)
	}
	if t.userAgent != "" {
		r.Header.Set("User-Agent", t.userAgent)
	}
	return r, nil
}

// bufferBody reads the whole answer inside the retry loop: an answer cut off
// in the middle of its body is as lost as one that never came, and must be
// retried or resolved like one rather than surface later as a decode error.
func bufferBody(resp *http.Response) error {
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return fmt.Errorf("answer cut off after %d bytes: %w", len(b), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}

// logAttempt logs one HTTP attempt: method, path, the names of the query
// parameters (their values may be personal data), status and duration.
// Headers and bodies are never logged: they carry the API key and passwords.
func logAttempt(ctx context.Context, req *http.Request, attempt int, resp *http.Response, err error, took time.Duration) {
	fields := map[string]any{
		"method": req.Method, "path": req.URL.Path, "attempt": attempt + 1, "duration_ms": took.Milliseconds(),
	}
	if q := req.URL.Query(); len(q) > 0 {
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		fields["query_params"] = names
	}
	if err != nil {
		fields["error"] = err.Error()
	} else {
		fields["status"] = resp.StatusCode
	}
	tflog.Debug(ctx, "Ory API request", fields)
}

type outcomeKind int

const (
	// outcomeFinal: hand the answer to the caller as it is.
	outcomeFinal outcomeKind = iota
	// outcomeNotProcessed: the server did not act on the request; safe to send again.
	outcomeNotProcessed
	// outcomeUnknown: the request may have been processed.
	outcomeUnknown
)

type outcome struct {
	kind   outcomeKind
	reason string
}

// outcomeOf says what an attempt's answer means for the request.
func outcomeOf(method string, resp *http.Response, err error) outcome {
	var o outcome
	var untrusted *tls.CertificateVerificationError
	switch {
	case errors.As(err, &untrusted):
		// Nothing was sent, and sending again changes nothing.
		return outcome{kind: outcomeFinal}
	case err != nil && notSent(err):
		o = outcome{outcomeNotProcessed, "connection failed before the request was sent: " + err.Error()}
	case err != nil:
		o = outcome{outcomeUnknown, "no answer: " + err.Error()}
	case resp.StatusCode == http.StatusTooManyRequests:
		o = outcome{outcomeNotProcessed, "rate limited (HTTP 429)"}
	case resp.StatusCode == http.StatusServiceUnavailable:
		o = outcome{outcomeNotProcessed, "service unavailable (HTTP 503)"}
	case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout:
		o = outcome{outcomeUnknown, fmt.Sprintf("gateway error (HTTP %d)", resp.StatusCode)}
	default:
		return outcome{kind: outcomeFinal}
	}
	// A read changes nothing: whatever happened, it may be sent again.
	if o.kind == outcomeUnknown && (method == http.MethodGet || method == http.MethodHead) {
		o.kind = outcomeNotProcessed
	}
	return o
}

// notSent reports whether err happened before any byte of the request left:
// the connection could not be opened.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retryPolicy is the one place that says how often and how long to wait:
// the transport uses it between attempts of one request and for rate
// limits, the resolve step between resends of one write.
type retryPolicy struct {
	maxRetries int
	minBackoff time.Duration
	maxBackoff time.Duration
	// rateLimitWait bounds how long one call waits for rate limits.
	rateLimitWait time.Duration
	// now and sleep are the clock; replaced in tests.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// wait is how long to wait before retry attempt+1. A 429 says how long
// itself (Retry-After, or Ory Network's X-RateLimit-Reset when above 0, as
// Ory asks clients to prefer it), bounded by rateLimitWait, not maxBackoff;
// a reset of 0 (the per-second window) or none means backing off.
func (p *retryPolicy) wait(attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		now := p.now()
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok && d > 0 {
			return d
		}
		if d, ok := rateLimitReset(resp.Header.Get("X-RateLimit-Reset"), now); ok && d > 0 {
			return d
		}
	}
	return p.backoff(attempt)
}

// backoff is exponential from minBackoff, capped at maxBackoff, with jitter
// in its upper half so that parallel applies do not retry in step.
func (p *retryPolicy) backoff(attempt int) time.Duration {
	d := p.minBackoff << min(attempt, 16)
	if d <= 0 || d > p.maxBackoff {
		d = p.maxBackoff
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

// rateLimitReset parses X-RateLimit-Reset: seconds until the window resets,
// or, for values that can only be one, a Unix time in seconds.
func rateLimitReset(v string, now time.Time) (time.Duration, bool) {
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s < 0 {
		return 0, false
	}
	if s > 1_000_000_000 {
		return max(time.Unix(s, 0).Sub(now), 0), true
	}
	return time.Duration(s) * time.Second, true
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
