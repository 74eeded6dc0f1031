package ory

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// do sends one call to the API: body (when not nil) as JSON, the answer
// decoded into out (when not nil) with exact numbers, and returns the
// answer's headers: the body is read and closed here. An error answer is an
// *APIError typed by its status; no answer is an error wrapping the
// transport's (an *OutcomeUnknownError for a write whose answer was lost).
//
// Calls go around client-go's generated methods: those decode every answer
// through reflection into models with float64 traits, three times over,
// only for it to be decoded again exactly. client-go's types still describe
// the request bodies.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) (http.Header, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
		payload = bytes.NewReader(b)
	}
	if method != http.MethodGet {
		// A listing read ahead before or during a write is outdated by it.
		c.reads.ahead.forget()
		defer c.reads.ahead.forget()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, payload)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var limited *RateLimitError
		if errors.As(err, &limited) {
			return nil, limited
		}
		var untrusted *tls.CertificateVerificationError
		if errors.As(err, &untrusted) {
			return nil, fmt.Errorf("the Ory API's TLS certificate is not trusted (%w); if it is signed by a private CA, set ca_cert_file to that CA's PEM file", untrusted)
		}
		return nil, fmt.Errorf("request to the Ory API failed: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(resp.Body)
		e := apiError(resp.StatusCode, b)
		if errors.Is(e.Kind, ErrUnauthorized) {
			return nil, &AuthError{APIError: e, KeySource: c.keySource, Host: c.host}
		}
		return nil, e
	}
	if out == nil {
		return resp.Header, nil
	}
	return resp.Header, decodeBody(resp, out)
}
