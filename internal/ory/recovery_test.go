package ory

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Kratos answers 404 both for an unknown identity and when its code method is
// off; the harness's Kratos can not be switched, so a fake tells them apart.
func TestCreateRecoveryCodeDisabledOrMissing(t *testing.T) {
	t.Parallel()
	const id = "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b"
	for name, identityExists := range map[string]bool{"disabled": true, "missing identity": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch {
				case r.Method == http.MethodPost && r.URL.Path == "/admin/recovery/code":
					w.WriteHeader(http.StatusNotFound)
					_, _ = io.WriteString(w, `{"error":{"code":404,"status":"Not Found","message":"This endpoint was disabled by system administrator"}}`)
				case r.Method == http.MethodGet && r.URL.Path == "/admin/identities/"+id && identityExists:
					_, _ = io.WriteString(w, `{"id":"`+id+`","schema_id":"email","schema_url":"http://x/schemas/email","traits":{"email":"a@example.com"},"state":"active"}`)
				default:
					w.WriteHeader(http.StatusNotFound)
					_, _ = io.WriteString(w, `{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}`)
				}
			}))
			defer srv.Close()
			c, err := New(Config{URL: srv.URL, MaxRetries: 0})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateRecoveryCode(context.Background(), id, 0)
			if identityExists {
				if !errors.Is(err, ErrRecoveryCodesDisabled) || errors.Is(err, ErrNotFound) {
					t.Fatalf("err = %v, want ErrRecoveryCodesDisabled", err)
				}
				return
			}
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
}
