package ory

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors: callers test with errors.Is and never look at status codes
// or error texts themselves.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrUnauthorized = errors.New("unauthorized")
	ErrRateLimited  = errors.New("rate limited")
	ErrBadRequest   = errors.New("bad request")
	ErrServer       = errors.New("server error")
)

// APIError is an error answer of the Ory API, classified by its HTTP status.
type APIError struct {
	// Kind is one of the sentinel errors above.
	Kind error
	// Status is the HTTP status code.
	Status int
	// Reason is the server's own explanation, as specific as the body allows.
	Reason string
}

func (e *APIError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Kind, e.Status)
	}
	return fmt.Sprintf("%s (HTTP %d): %s", e.Kind, e.Status, e.Reason)
}

func (e *APIError) Unwrap() error { return e.Kind }

// Reason returns the server's explanation carried by err, or err's text.
// Rate limits and server errors keep their status: their body is often a
// gateway's, which says little by itself.
func Reason(err error) string {
	var auth *AuthError
	var limited *RateLimitError
	switch {
	case errors.As(err, &auth):
		return auth.Error()
	case errors.As(err, &limited):
		return limited.Error()
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Reason != "" {
		if apiErr.Status >= 500 || apiErr.Status == http.StatusTooManyRequests {
			return fmt.Sprintf("%s (HTTP %d)", apiErr.Reason, apiErr.Status)
		}
		return apiErr.Reason
	}
	return err.Error()
}

// kindOf maps an HTTP status to a sentinel error.
func kindOf(status int) error {
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrUnauthorized
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	default:
		return ErrBadRequest
	}
}

// errorBody is the shape of Kratos and Ory Network error answers.
type errorBody struct {
	Error struct {
		Message string          `json:"message"`
		Reason  string          `json:"reason"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
	// Self-service flows answer with messages in the UI nodes instead.
	UI struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	} `json:"ui"`
}

// reasonFromBody extracts a human-readable explanation from an error body.
func reasonFromBody(body []byte) string {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil {
		return strings.TrimSpace(truncate(string(body), 500))
	}
	candidates := []string{b.Error.Message, b.Error.Reason}
	for _, m := range b.UI.Messages {
		candidates = append(candidates, m.Text)
	}
	var text string
	for _, c := range candidates {
		c = strings.TrimSuffix(strings.TrimSpace(c), ".")
		switch {
		case c == "" || strings.Contains(text, c):
		case text == "":
			text = c
		default:
			text += ": " + c
		}
	}
	return dedupeLines(text)
}

// dedupeLines drops repeated lines: Kratos repeats schema validation errors
// in its message and its reason.
func dedupeLines(s string) string {
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		key := strings.TrimSpace(line)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, strings.TrimRight(line, " "))
	}
	return strings.Join(out, "\n")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// apiError types an error answer by its status, with the reason its body
// gives.
func apiError(status int, body []byte) *APIError {
	return &APIError{Kind: kindOf(status), Status: status, Reason: reasonFromBody(body)}
}

// ErrLastFirstFactor is Kratos's refusal (v25.4.0 and later) to remove the
// credential an identity logs in with when it is the identity's only one.
var ErrLastFirstFactor = errors.New("the identity's last first-factor credential can not be removed")

// asLastFirstFactor types that refusal, which Kratos answers as a plain 400.
func asLastFirstFactor(err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && errors.Is(apiErr.Kind, ErrBadRequest) && strings.Contains(strings.ToLower(apiErr.Reason), "last first factor") {
		return fmt.Errorf("%w: %w", ErrLastFirstFactor, err)
	}
	return err
}

// ErrOutcomeUnknown says that a write got no answer telling whether it took
// effect (a lost connection, a gateway's 502 or 504, a timeout) and that
// finding out failed too.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// OutcomeUnknownError is a write whose answer was lost.
type OutcomeUnknownError struct {
	Method, Path string
	// Cause says how the answer was lost; it never holds a request body.
	Cause string
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("%s %s got no usable answer (%s): the change may or may not have happened", e.Method, e.Path, e.Cause)
}

func (e *OutcomeUnknownError) Unwrap() error { return ErrOutcomeUnknown }

// AuthError is a 401 or 403: the API refused the key. It says where the key
// came from and what to check, never the key.
type AuthError struct {
	*APIError
	// KeySource is where the key came from: "api_key", the environment
	// variable's name, or "" when no key was sent.
	KeySource string
	// Host is the API's host.
	Host string
}

func (e *AuthError) Error() string {
	refused := fmt.Sprintf("the Ory API at %s refused the request (HTTP %d", e.Host, e.Status)
	if e.Reason != "" {
		refused += ": " + e.Reason
	}
	refused += ")"
	if e.KeySource == "" {
		return refused + ". No API key was sent: `api_key` is not set. Set it to a project API key of this project"
	}
	from := "set in the provider block"
	if e.KeySource != "api_key" {
		from = "from the environment variable " + e.KeySource
	}
	return refused + ". Check `api_key` (" + from + "): it must be a project API key of this project (" + e.Host +
		"), not a workspace API key, and must not be expired or revoked"
}

func (e *AuthError) Unwrap() error { return e.APIError }

// RateLimitError is a call that Ory Network's rate limit held back longer
// than the client may wait (rate_limit_wait).
type RateLimitError struct {
	Method, Path string
	// Bucket is the rate-limit bucket the call counts against.
	Bucket Bucket
	// Limit is the last x-ratelimit-limit seen for the bucket ("" when none).
	Limit string
	// Waited is how long the call waited; Next how long it would still
	// have had to; Budget what it may wait in all.
	Waited, Next, Budget time.Duration
}

func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("%s %s was rate limited (HTTP 429) and waited %s; waiting again (%s) would go beyond rate_limit_wait (%s)",
		e.Method, e.Path, e.Waited.Round(time.Second), e.Next.Round(time.Second), e.Budget)
	if e.Bucket != "" {
		msg += fmt.Sprintf(". On Ory Network it counts against the bucket %s", e.Bucket)
		if e.Limit != "" {
			msg += fmt.Sprintf(", whose limits (x-ratelimit-limit: %s) ", e.Limit)
			if tiers := tiersMatching(e.Bucket, e.Limit); len(tiers) > 0 {
				msg += "are those of the " + strings.Join(tiers, " or ") + " tier"
			} else {
				msg += "match none of Ory Network's published tiers"
			}
		}
	}
	return msg + ". Lower terraform's -parallelism, move the project to a higher tier, or run again later; a longer rate_limit_wait lets each call wait longer"
}

func (e *RateLimitError) Unwrap() error { return ErrRateLimited }
