package ory

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeSecondFactors serves one identity's credentials for GET and the
// credential DELETE, with a fault Kratos can not be made to produce: the
// answer to the n-th DELETE is lost (the connection closes), after or
// before the credential is removed. What Kratos answers otherwise is
// tested against Kratos (acctest.TestSecondFactor and the provider's
// acceptance tests).
type fakeSecondFactors struct {
	mu          sync.Mutex
	id          string
	credentials map[string]any
	// loseNth drops the answer to that DELETE (from 1); applyFirst removes
	// the credential before dropping it.
	loseNth    int
	applyFirst bool
	deletes    []string
}

func (f *fakeSecondFactors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.Path, "/admin/identities/"+f.id)
	if !ok {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	switch {
	case r.Method == http.MethodGet && rest == "":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": f.id, "credentials": f.credentials})
	case r.Method == http.MethodDelete && strings.HasPrefix(rest, "/credentials/"):
		m := strings.TrimPrefix(rest, "/credentials/")
		f.deletes = append(f.deletes, m)
		lose := len(f.deletes) == f.loseNth
		if lose && !f.applyFirst {
			hijackAndClose(w)
			return
		}
		if _, ok := f.credentials[m]; !ok {
			http.Error(w, `{"error":{"message":"no such credential"}}`, http.StatusNotFound)
			return
		}
		delete(f.credentials, m)
		if lose {
			hijackAndClose(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "unexpected", http.StatusMethodNotAllowed)
	}
}

func TestResetSecondFactorsAnswerLost(t *testing.T) {
	t.Parallel()
	const id = "00000000-0000-4000-8000-000000000001"
	cases := []struct {
		name        string
		applyFirst  bool
		wantDeletes []string
	}{
		// Resolved by reading: TOTP is gone, so it is not sent again.
		{"lost after removing", true, []string{"totp", "lookup_secret"}},
		// Resolved by reading: TOTP is still there, so it is sent again.
		{"lost before removing", false, []string{"totp", "totp", "lookup_secret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeSecondFactors{
				id: id, loseNth: 1, applyFirst: tc.applyFirst,
				credentials: map[string]any{
					"password":      map[string]any{"type": "password"},
					"totp":          map[string]any{"type": "totp"},
					"lookup_secret": map[string]any{"type": "lookup_secret"},
					// Only a passkey: a first factor, not reset.
					"webauthn": map[string]any{"type": "webauthn", "config": map[string]any{
						"credentials": []any{map[string]any{"is_passwordless": true}},
					}},
				},
			}
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			c, _ := newTestClient(t, srv.URL, "")

			left, err := c.ResetSecondFactors(context.Background(), id, SecondFactorMethods)
			if err != nil {
				t.Fatalf("ResetSecondFactors = %v", err)
			}
			if len(left) != 0 {
				t.Errorf("second factors left = %v, want none", left)
			}
			if !slices.Equal(fake.deletes, tc.wantDeletes) {
				t.Errorf("DELETEs = %v, want %v", fake.deletes, tc.wantDeletes)
			}
		})
	}
}

// A removal answered 404 because someone removed the credential first is
// done; a 404 because the identity is gone is ErrNotFound.
func TestResetSecondFactorsRemovedMeanwhile(t *testing.T) {
	t.Parallel()
	const id = "00000000-0000-4000-8000-000000000002"
	fake := &fakeSecondFactors{id: id, credentials: map[string]any{"totp": map[string]any{"type": "totp"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			// Someone else's removal lands first.
			fake.mu.Lock()
			delete(fake.credentials, "totp")
			fake.mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv.URL, "")

	if _, err := c.ResetSecondFactors(context.Background(), id, SecondFactorMethods); err != nil {
		t.Fatalf("ResetSecondFactors = %v, want nil", err)
	}
	if _, err := c.ResetSecondFactors(context.Background(), "00000000-0000-4000-8000-000000000099", SecondFactorMethods); !IsNotFound(err) {
		t.Fatalf("ResetSecondFactors of a missing identity = %v, want ErrNotFound", err)
	}
}
