package ory

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAPIError(t *testing.T) {
	t.Parallel()
	kratos := func(reason string) []byte {
		return []byte(`{"error":{"code":400,"status":"Bad Request","reason":"` + reason + `","message":"The request was malformed or contained invalid parameters"}}`)
	}
	cases := []struct {
		name       string
		status     int
		body       []byte
		want       error
		wantReason string
	}{
		{"not found", 404, []byte(`{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}`), ErrNotFound, "Unable to locate the resource"},
		{"gone", 410, nil, ErrNotFound, ""},
		{"conflict", 409, []byte(`{"error":{"code":409,"message":"The resource could not be created due to a conflict","reason":"This identity conflicts with another identity that already exists."}}`), ErrConflict,
			"The resource could not be created due to a conflict: This identity conflicts with another identity that already exists"},
		{"unauthorized", 401, nil, ErrUnauthorized, ""},
		{"forbidden", 403, nil, ErrUnauthorized, ""},
		{"rate limited", 429, nil, ErrRateLimited, ""},
		{"bad request with reason", 400, kratos("Unable to find JSON Schema ID: x"), ErrBadRequest,
			"The request was malformed or contained invalid parameters: Unable to find JSON Schema ID: x"},
		{"unprocessable", 422, nil, ErrBadRequest, ""},
		{"server", 500, []byte("upstream exploded"), ErrServer, "upstream exploded"},
		{"repeated lines once", 400, []byte(`{"error":{"message":"validation failed\n  a is bad","reason":"a is bad"}}`), ErrBadRequest, "validation failed\n  a is bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			apiErr := apiError(tc.status, tc.body)
			if !errors.Is(apiErr, tc.want) || apiErr.Status != tc.status {
				t.Fatalf("apiError(%d) = %#v, want %v with the status", tc.status, apiErr, tc.want)
			}
			if apiErr.Reason != tc.wantReason {
				t.Errorf("reason = %q, want %q", apiErr.Reason, tc.wantReason)
			}
		})
	}
}

// A 2xx answer whose body does not decode is not mistaken for an API error.
func TestDecodeFailureIsNotAnAPIError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html>a login page</html>"))
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var apiErr *APIError
	if _, err := c.getOne(context.Background(), "x"); err == nil || errors.As(err, &apiErr) || !strings.Contains(err.Error(), "HTTP 200") {
		t.Fatalf("undecodable answer: err = %v", err)
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, errPart string }{
		{"http://127.0.0.1:4434", "http://127.0.0.1:4434", ""},
		{"https://slug.projects.oryapis.com/", "https://slug.projects.oryapis.com", ""},
		{" http://kratos:4434/admin-prefix/ ", "http://kratos:4434/admin-prefix", ""},
		{"127.0.0.1:4434", "", "must start with http"},
		{"ftp://example.com", "", "must start with http"},
		{"http://", "", "no host"},
		{"http://h/?x=1", "", "query"},
		{"", "", "must start with http"},
		// Ory Network answers only https; the key must not travel in clear.
		{"http://slug.projects.oryapis.com", "", "use https://slug.projects.oryapis.com"},
		{"HTTP://Slug.Projects.OryAPIs.com:80/", "", "only https"},
		{"http://oryapis.com.example.org", "http://oryapis.com.example.org", ""},
	}
	for _, tc := range cases {
		got, err := ParseURL(tc.in)
		if tc.errPart == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("ParseURL(%q) error = %v, want one mentioning %q", tc.in, err, tc.errPart)
		}
	}
}

// A refused key is an error that says which setting and where its value
// came from, and what to check; never the key.
func TestAuthErrorNamesTheSettingNotTheKey(t *testing.T) {
	t.Parallel()
	const key = "ory_pat_SECRET-KEY-VALUE"
	body := `{"error":{"code":401,"status":"Unauthorized","message":"The request could not be authorized"}}`
	cases := []struct {
		name, source string
		status       int
		want         []string
	}{
		{"from the provider block", "api_key", 401, []string{"`api_key` (set in the provider block)", "project API key of this project", "not a workspace API key", "expired"}},
		{"from ORY_API_KEY", "ORY_API_KEY", 401, []string{"`api_key` (from the environment variable ORY_API_KEY)", "not a workspace API key"}},
		{"from ORY_PROJECT_API_KEY, forbidden", "ORY_PROJECT_API_KEY", 403, []string{"HTTP 403", "ORY_PROJECT_API_KEY"}},
		{"not set", "", 401, []string{"No API key was sent: `api_key` is not set"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			apiKey := key
			if tc.source == "" {
				apiKey = ""
			}
			c, err := New(Config{URL: srv.URL, APIKey: apiKey, APIKeySource: tc.source})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.getOne(context.Background(), "x")
			var auth *AuthError
			if !errors.As(err, &auth) || !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v, want an *AuthError", err)
			}
			msg := Reason(err)
			for _, w := range append(tc.want, "The request could not be authorized", strings.TrimPrefix(srv.URL, "http://")) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("error %q holds the key", msg)
			}
		})
	}
}
