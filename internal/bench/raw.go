package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// rawClient makes the API calls a phase needs directly, at the CLI's
// parallelism: what no provider can do faster.
type rawClient struct {
	base        string // through the counting proxy, as the provider
	concurrency int
	http        *http.Client
}

func newRawClient(base string, concurrency int) *rawClient {
	return &rawClient{
		base:        base,
		concurrency: concurrency,
		http: &http.Client{
			Timeout:   time.Minute,
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: concurrency},
		},
	}
}

// create creates one identity per email, with the password when it is not
// empty, and returns their ids in the same order.
func (c *rawClient) create(ctx context.Context, emails []string, password string) ([]string, error) {
	ids := make([]string, len(emails))
	err := c.each(ctx, len(emails), func(i int) error {
		body := map[string]any{"schema_id": schemaID, "traits": map[string]any{"email": emails[i]}}
		if password != "" {
			body["credentials"] = map[string]any{"password": map[string]any{"config": map[string]any{"password": password}}}
		}
		var out struct {
			ID string `json:"id"`
		}
		if err := c.do(ctx, http.MethodPost, "/admin/identities", body, http.StatusCreated, &out); err != nil {
			return err
		}
		ids[i] = out.ID
		return nil
	})
	return ids, err
}

// read reads each identity, with its password hash when withPassword, as a
// refresh needs it.
func (c *rawClient) read(ctx context.Context, ids []string, withPassword bool) error {
	query := ""
	if withPassword {
		query = "?include_credential=password"
	}
	return c.each(ctx, len(ids), func(i int) error {
		return c.do(ctx, http.MethodGet, "/admin/identities/"+ids[i]+query, nil, http.StatusOK, nil)
	})
}

func (c *rawClient) delete(ctx context.Context, ids []string) error {
	return c.each(ctx, len(ids), func(i int) error {
		return c.do(ctx, http.MethodDelete, "/admin/identities/"+ids[i], nil, http.StatusNoContent, nil)
	})
}

// each runs fn for 0..n-1 on c.concurrency workers and returns the first
// error; the others stop at their next item.
func (c *rawClient) each(ctx context.Context, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range c.concurrency {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func (c *rawClient) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: Kratos answered %s, want %d: %s", method, path, resp.Status, want, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
