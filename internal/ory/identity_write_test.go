package ory

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"
)

var serverError = fault{status: http.StatusInternalServerError}

// verifiedIn returns the values of the verified addresses the fake holds
// for identity id.
func (fk *fakeKratos) verifiedIn(id string) []string {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	var out []string
	if i := fk.identities[id]; i != nil {
		for _, a := range i.addresses {
			if v, _ := a["verified"].(bool); v {
				out = append(out, a["value"].(string))
			}
		}
	}
	return out
}

// CreateIdentityVerified is one transaction: cut anywhere, it leaves the
// fake holding either the identity as asked, the identity with a typed
// error that says what is left, or nothing.
func TestCreateIdentityVerifiedCut(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		plan     func(string, int) fault
		verified []string
		// kept: the identity stays in the fake and is returned.
		kept         bool
		wantVerified []string
		wantErr      func(error) bool
	}{
		"answer of the verification patch lost after applying": {
			plan: faultsOn(routePatch, dropAfter), verified: []string{"A@example.com"},
			kept: true, wantVerified: []string{"a@example.com"},
			wantErr: func(err error) bool { return err == nil },
		},
		"verification patch refused": {
			plan: faultsOn(routePatch, serverError), verified: []string{"a@example.com"},
			kept:    true,
			wantErr: func(err error) bool { var v *VerificationError; return errors.As(err, &v) && errors.Is(err, ErrServer) },
		},
		"address not verifiable: created, then deleted": {
			plan: faultsOn(""), verified: []string{"b@example.com"},
			wantErr: func(err error) bool {
				var nv *NotVerifiableError
				return errors.As(err, &nv) && slices.Equal(nv.Addresses, []string{"b@example.com"})
			},
		},
		"address not verifiable and the delete fails": {
			plan: faultsOn(routeDelete, serverError), verified: []string{"b@example.com"},
			kept: true,
			wantErr: func(err error) bool {
				var undo *UndoError
				var nv *NotVerifiableError
				return errors.As(err, &undo) && errors.As(undo.Cause, &nv) && errors.Is(undo.Err, ErrServer)
			},
		},
		"answer of the delete lost after applying": {
			plan: faultsOn(routeDelete, dropAfter), verified: []string{"b@example.com"},
			wantErr: func(err error) bool { var nv *NotVerifiableError; return errors.As(err, &nv) },
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			fk.plan = tc.plan
			c, _ := newTestClient(t, fk.srv.URL, "")

			got, err := c.CreateIdentityVerified(context.Background(), emailInput("a@example.com"), Verification{Managed: true, Addresses: tc.verified})
			if !tc.wantErr(err) {
				t.Fatalf("error = %v", err)
			}
			if !tc.kept {
				fk.wantOnly(t)
				if got != nil {
					t.Errorf("returned %s, want nil: nothing exists", got.ID)
				}
				return
			}
			id := fk.onlyID(t)
			if got == nil || got.ID != id {
				t.Fatalf("returned %v, want identity %s", got, id)
			}
			if v := fk.verifiedIn(id); !slices.Equal(v, tc.wantVerified) {
				t.Errorf("verified in the fake = %v, want %v", v, tc.wantVerified)
			}
		})
	}
}

// UpdateIdentityVerified puts the previous traits back when the identity can
// not verify what is asked, and says so when that fails too. (The fake keeps
// the addresses it derived at creation: the tests change the name only.)
func TestUpdateIdentityVerifiedCut(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		plan         func(string, int) fault
		verified     []string
		wantName     string
		wantVerified []string
		// returned: the call returns the identity as it is afterwards.
		returned bool
		wantErr  func(error) bool
	}{
		"answer of the verification patch lost after applying": {
			plan: faultsOn(routePatch, dropAfter), verified: []string{"old@example.com"},
			wantName: "new", wantVerified: []string{"old@example.com"}, returned: true,
			wantErr: func(err error) bool { return err == nil },
		},
		"verification patch refused: written, not verified": {
			plan: faultsOn(routePatch, serverError), verified: []string{"old@example.com"},
			wantName: "new", returned: true,
			wantErr: func(err error) bool { var v *VerificationError; return errors.As(err, &v) },
		},
		"address not verifiable: previous traits put back": {
			plan: faultsOn(""), verified: []string{"other@example.com"},
			wantName: "old", returned: true,
			wantErr: func(err error) bool {
				var nv *NotVerifiableError
				return errors.As(err, &nv) && slices.Equal(nv.Addresses, []string{"other@example.com"})
			},
		},
		"address not verifiable and putting back fails": {
			plan: faultsOn(routePut, noFault, serverError), verified: []string{"other@example.com"},
			wantName: "new",
			wantErr: func(err error) bool {
				var undo *UndoError
				return errors.As(err, &undo) && errors.Is(undo.Err, ErrServer)
			},
		},
		"replace refused: nothing written": {
			plan: faultsOn(routePut, serverError), verified: []string{"old@example.com"},
			wantName: "old", returned: true,
			wantErr: func(err error) bool { return errors.Is(err, ErrServer) },
		},
		"read refused: nothing written": {
			plan: faultsOn(routeGet, serverError), verified: []string{"old@example.com"},
			wantName: "old",
			wantErr:  func(err error) bool { var r *ReadError; return errors.As(err, &r) && errors.Is(err, ErrServer) },
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fk := newFakeKratos(t)
			id := fk.seed(map[string]any{"email": "old@example.com", "name": "old"}, time.Now().Add(-time.Hour))
			fk.plan = tc.plan
			c, _ := newTestClient(t, fk.srv.URL, "")

			got, err := c.UpdateIdentityVerified(context.Background(), id, IdentityInput{SchemaID: "email", Traits: map[string]any{"email": "old@example.com", "name": "new"}}, Verification{Managed: true, Addresses: tc.verified})
			if !tc.wantErr(err) {
				t.Fatalf("error = %v", err)
			}
			if name := fk.traits(id)["name"]; name != tc.wantName {
				t.Errorf("name in the fake = %v, want %s", name, tc.wantName)
			}
			if v := fk.verifiedIn(id); !slices.Equal(v, tc.wantVerified) {
				t.Errorf("verified in the fake = %v, want %v", v, tc.wantVerified)
			}
			if tc.returned != (got != nil) {
				t.Fatalf("returned %v, want an identity: %v", got, tc.returned)
			}
			if got != nil && got.Traits.(map[string]any)["name"] != tc.wantName {
				t.Errorf("returned name %v, want %s", got.Traits.(map[string]any)["name"], tc.wantName)
			}
		})
	}
}
