package ory

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func (fk *fakeKratos) oidcLinks(id string) []string {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if i := fk.identities[id]; i != nil {
		return slices.Clone(i.oidc)
	}
	return nil
}

// A link or unlink whose answer was lost is looked up before it is sent
// again: Kratos refuses to import a link twice, and to remove one that is
// gone.
func TestOIDCLinkAnswerLost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		route     string
		faults    []fault
		wantSends int
	}{
		{"link, connection dropped after applying", routePut, []fault{dropAfter}, 1},
		{"link, gateway timeout after applying", routePut, []fault{gateway504After}, 1},
		{"link, connection dropped before applying", routePut, []fault{dropBefore}, 2},
		{"link, lost before, resend lost after applying", routePut, []fault{dropBefore, dropAfter}, 2},
		{"unlink, connection dropped after applying", routeUnlink, []fault{dropAfter}, 1},
		{"unlink, gateway timeout after applying", routeUnlink, []fault{gateway504After}, 1},
		{"unlink, connection dropped before applying", routeUnlink, []fault{dropBefore}, 2},
	}
	link := OIDCLink{Provider: "google", Subject: "1234"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fk := newFakeKratos(t)
			id := fk.seed(map[string]any{"email": "a@example.com"}, time.Now().Add(-time.Hour))
			c, _ := newTestClient(t, fk.srv.URL, "")
			write, want := c.LinkOIDC, []string{"google:1234"}
			if tc.route == routeUnlink {
				if err := c.LinkOIDC(ctx, id, link); err != nil {
					t.Fatal(err)
				}
				write, want = c.UnlinkOIDC, nil
			}
			fk.mu.Lock()
			fk.plan = faultsOn(tc.route, tc.faults...)
			fk.counts[tc.route] = 0
			fk.mu.Unlock()

			if err := write(ctx, id, link); err != nil {
				t.Fatalf("%s: %v", tc.route, err)
			}
			if n := fk.count(tc.route); n != tc.wantSends {
				t.Errorf("sends = %d, want %d", n, tc.wantSends)
			}
			if got := fk.oidcLinks(id); !slices.Equal(got, want) {
				t.Errorf("links = %v, want %v", got, want)
			}
		})
	}
}

// Linking twice sends one PUT; unlinking what is not linked is ErrNotFound,
// for Delete to take as done.
func TestOIDCLinkIdempotence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fk := newFakeKratos(t)
	id := fk.seed(map[string]any{"email": "a@example.com"}, time.Now().Add(-time.Hour))
	c, _ := newTestClient(t, fk.srv.URL, "")
	link := OIDCLink{Provider: "google", Subject: "1234"}
	for range 2 {
		if err := c.LinkOIDC(ctx, id, link); err != nil {
			t.Fatalf("link: %v", err)
		}
	}
	if n := fk.count(routePut); n != 1 {
		t.Errorf("PUTs = %d, want 1", n)
	}
	if err := c.UnlinkOIDC(ctx, id, OIDCLink{Provider: "google", Subject: "other"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unlink of another subject = %v, want ErrNotFound", err)
	}
}
