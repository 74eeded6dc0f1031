package ory

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A create whose answer was lost after the identity was stored is resolved
// by looking it up: the identity is returned, and the create is not sent again.
func TestCreateAnswerLostAfterStored(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault fault
		skew  time.Duration
	}{
		{"connection dropped", dropAfter, 0},
		{"gateway timeout", gateway504After, 0},
		{"server clock an hour ahead", dropAfter, time.Hour},
		{"server clock an hour behind", gateway504After, -time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk, c, slept := fakeWithFaults(t, faultsOn(routeCreate, tc.fault))
			fk.skew = tc.skew

			got, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			id := fk.onlyID(t)
			if got.ID != id {
				t.Errorf("returned id %q, want the stored %q", got.ID, id)
			}
			if got.SchemaID != "email" || !SameJSON(got.Traits, map[string]any{"email": "a@example.com"}) {
				t.Errorf("returned %+v, want the stored identity", got)
			}
			if n := fk.count(routeCreate); n != 1 {
				t.Errorf("POSTs = %d, want 1", n)
			}
			if n := fk.count(routeList); n != 1 {
				t.Errorf("lookups = %d, want 1", n)
			}
			if waits := slept.all(); len(waits) != 0 {
				t.Errorf("waits = %v, want none", waits)
			}
		})
	}
}

// A body cut off after the status line is a lost answer too: the identity
// was stored.
func TestCreateAnswerCutMidBody(t *testing.T) {
	t.Parallel()
	fk, c, _ := fakeWithFaults(t, faultsOn(routeCreate, cutAfter))

	got, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
	if err != nil {
		t.Fatalf("create whose 201 was cut off mid-body: %v (the identity %s was stored)", err, fk.onlyID(t))
	}
	if got.ID != fk.onlyID(t) {
		t.Errorf("returned id %q, want the stored one", got.ID)
	}
	if n := fk.count(routeCreate); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
}

// When nothing was stored, the lookup finds nothing and the create is sent
// again, once, after the lookup.
func TestCreateAnswerLostBeforeStored(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]fault{"connection dropped": dropBefore, "bad gateway": gateway502} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fk, c, slept := fakeWithFaults(t, faultsOn(routeCreate, f))

			got, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if got.ID != fk.onlyID(t) {
				t.Errorf("returned id %q, want the stored one", got.ID)
			}
			want := []string{routeCreate, routeSchema, routeList, routeCreate}
			if got := fk.routes(); strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Errorf("requests = %q, want %q: the create is resent only after the lookup", got, want)
			}
			waits := slept.all()
			if lo, hi := backoffRange(0); len(waits) != 1 || !within(waits[0], lo, hi) {
				t.Errorf("waits = %v, want one within [%s, %s]", waits, lo, hi)
			}
		})
	}
}

// An identifier held by an identity that existed before this create is a
// conflict, even when the answer was lost: that identity is not adopted.
func TestCreateIdentifierHeldByOlderIdentity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		older map[string]any
		sent  string
		fault fault
	}{
		{"other traits, gateway timeout", map[string]any{"email": "taken@example.com", "name": "Older"}, "taken@example.com", gateway504After},
		{"same traits, created earlier", map[string]any{"email": "taken@example.com"}, "taken@example.com", dropAfter},
		{"identifier in other case", map[string]any{"email": "taken@example.com"}, "Taken@Example.com", dropAfter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk, c, _ := fakeWithFaults(t, faultsOn(routeCreate, tc.fault))
			olderID := fk.seed(tc.older, time.Now().Add(-time.Hour))

			got, err := c.CreateIdentity(context.Background(), emailInput(tc.sent))
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("create = %+v, %v; want ErrConflict", got, err)
			}
			if !strings.Contains(err.Error(), olderID) {
				t.Errorf("error %q does not name the holder %s", err, olderID)
			}
			if n := fk.count(routeCreate); n != 1 {
				t.Errorf("POSTs = %d, want 1", n)
			}
			fk.wantOnly(t, olderID)
			if !SameJSON(fk.traits(olderID), tc.older) {
				t.Errorf("the older identity's traits changed to %v", fk.traits(olderID))
			}
		})
	}
}

// A plain conflict is the server's answer: no lookup, no resend.
func TestCreateConflictAnswered(t *testing.T) {
	t.Parallel()
	fk, c, _ := fakeWithFaults(t, nil)
	olderID := fk.seedOld("taken@example.com")

	_, err := c.CreateIdentity(context.Background(), emailInput("taken@example.com"))
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want a plain ErrConflict", err)
	}
	if got, want := fk.routes(), []string{routeCreate}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("requests = %q, want %q", got, want)
	}
	fk.wantOnly(t, olderID)
}

// Without a login identifier the identity can not be looked up: the lost
// answer is reported, not guessed at.
func TestCreateWithoutIdentifier(t *testing.T) {
	t.Parallel()
	fk, c, _ := fakeWithFaults(t, faultsOn(routeCreate, dropAfter))

	_, err := c.CreateIdentity(context.Background(), IdentityInput{SchemaID: "noid", Traits: map[string]any{"name": "No Identifier"}})
	var noID *NoIdentifierError
	if !errors.As(err, &noID) {
		t.Fatalf("err = %v, want a *NoIdentifierError", err)
	}
	if noID.SchemaID != "noid" {
		t.Errorf("NoIdentifierError.SchemaID = %q, want noid", noID.SchemaID)
	}
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v, want ErrOutcomeUnknown too", err)
	}
	if n := fk.count(routeCreate); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
}

// The first create was stored but the lookup right after did not see it yet:
// the resent create's 409 is its own first attempt, found by a second lookup.
func TestCreateResentConflictIsResolved(t *testing.T) {
	t.Parallel()
	fk, c, _ := fakeWithFaults(t, faultsOn(routeCreate, dropAfter))
	fk.hideNew = 1

	got, err := c.CreateIdentity(context.Background(), emailInput("a@example.com"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	id := fk.onlyID(t)
	if got.ID != id {
		t.Errorf("returned id %q, want the stored %q", got.ID, id)
	}
	want := []string{routeCreate, routeSchema, routeList, routeCreate, routeList}
	if got := fk.routes(); strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("requests = %q, want %q", got, want)
	}
	if r := fk.requests(); r[3].status != http.StatusConflict {
		t.Errorf("the resent create was answered %d, want 409", r[3].status)
	}
}

// Resends are bounded by MaxRetries, each after a lookup and a backoff.
func TestWriteResendsAreBounded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		route string
		write func(c *Client, id string) error
	}{
		{"create", routeCreate, func(c *Client, _ string) error {
			_, err := c.CreateIdentity(context.Background(), emailInput("b@example.com"))
			return err
		}},
		{"update", routePut, func(c *Client, id string) error {
			_, err := c.UpdateIdentity(context.Background(), id, emailInput("b@example.com"))
			return err
		}},
		{"delete", routeDelete, func(c *Client, id string) error {
			return c.DeleteIdentity(context.Background(), id)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk, c, slept := fakeWithFaults(t, func(route string, _ int) fault {
				if route == tc.route {
					return dropBefore
				}
				return noFault
			})
			id := fk.seedOld("a@example.com")

			err := tc.write(c, id)
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
			}
			if n := fk.count(tc.route); n != 1+testMaxRetries {
				t.Errorf("sends = %d, want %d", n, 1+testMaxRetries)
			}
			waits := slept.all()
			if len(waits) != testMaxRetries {
				t.Fatalf("waits = %v, want %d", waits, testMaxRetries)
			}
			for i, d := range waits {
				if lo, hi := backoffRange(i); !within(d, lo, hi) {
					t.Errorf("wait %d = %s, want within [%s, %s]", i, d, lo, hi)
				}
			}
			fk.wantOnly(t, id)
		})
	}
}

func TestUpdateIdentityAnswerLost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fault    fault
		wantPuts int
	}{
		{"connection dropped after applying", dropAfter, 1},
		{"gateway timeout after applying", gateway504After, 1},
		{"connection dropped before applying", dropBefore, 2},
		{"bad gateway before applying", gateway502, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk, c, _ := fakeWithFaults(t, faultsOn(routePut, tc.fault))
			id := fk.seedOld("a@example.com")
			in := IdentityInput{SchemaID: "email", Traits: map[string]any{"email": "a@example.com", "name": "New"}, MetadataPublic: map[string]any{"role": "admin"}}

			got, err := c.UpdateIdentity(context.Background(), id, in)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if n := fk.count(routePut); n != tc.wantPuts {
				t.Errorf("PUTs = %d, want %d", n, tc.wantPuts)
			}
			if n := fk.count(routeGet); n != 1 {
				t.Errorf("reads = %d, want 1 (the resolve step)", n)
			}
			if !got.Matches(in) {
				t.Errorf("returned %+v, want the updated identity", got)
			}
			if !SameJSON(fk.traits(id), in.Traits) {
				t.Errorf("stored traits = %v, want %v", fk.traits(id), in.Traits)
			}
		})
	}
}

// A password PUT reset before it reached Kratos did not happen: it is sent
// again, and the new hash is stored.
func TestSetPasswordAnswerLostBeforeApplying(t *testing.T) {
	t.Parallel()
	fk, c, _ := fakeWithFaults(t, faultsOn(routePut, dropBefore))
	id := fk.seedOld("a@example.com")
	hash := "$2a$04$abcdefghijklmnopqrstuu5Yx0j3pQwJ8yF0rUQ0kK3T9b1L2m3n4"

	if _, err := c.SetPassword(context.Background(), id, PasswordInput{HashedPassword: hash}); err != nil {
		t.Fatalf("set password: %v", err)
	}
	if got := fk.hash(id); got != hash {
		t.Errorf("stored hash = %q, want the one sent (PUTs: %d)", got, fk.count(routePut))
	}
	if n := fk.count(routePut); n != 2 {
		t.Errorf("PUTs = %d, want 2 (the reset one and the resend)", n)
	}
}

func TestDeleteIdentityAnswerLost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		fault       fault
		wantDeletes int
	}{
		{"gateway timeout after deleting", gateway504After, 1},
		{"connection dropped after deleting", dropAfter, 1},
		{"connection reset before deleting", dropBefore, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk, c, _ := fakeWithFaults(t, faultsOn(routeDelete, tc.fault))
			id := fk.seedOld("a@example.com")

			if err := c.DeleteIdentity(context.Background(), id); err != nil {
				t.Fatalf("delete = %v, want nil", err)
			}
			if n := fk.count(routeDelete); n != tc.wantDeletes {
				t.Errorf("DELETEs = %d, want %d", n, tc.wantDeletes)
			}
			fk.wantOnly(t)
		})
	}
}

// An identity that was already gone is ErrNotFound: only a lost answer to
// this call's own delete makes it a success.
func TestDeleteMissingIdentity(t *testing.T) {
	t.Parallel()
	fk, c, _ := fakeWithFaults(t, nil)

	err := c.DeleteIdentity(context.Background(), "00000000-0000-4000-8000-000000000099")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if n := fk.count(routeGet); n != 0 {
		t.Errorf("reads = %d, want none", n)
	}
}

func TestSetPasswordAnswerLost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fault    fault
		wantPuts int
	}{
		{"connection dropped after applying", dropAfter, 1},
		{"gateway timeout after applying", gateway504After, 1},
		{"connection dropped before applying", dropBefore, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fk, c, _ := fakeWithFaults(t, nil)
			id := fk.seedOld("a@example.com")
			if _, err := c.SetPassword(context.Background(), id, PasswordInput{Password: "first-password-1"}); err != nil {
				t.Fatal(err)
			}
			old := fk.hash(id)
			fk.mu.Lock()
			fk.plan = func(route string, n int) fault {
				if route == routePut && n == 2 {
					return tc.fault
				}
				return noFault
			}
			fk.mu.Unlock()

			fp, err := c.SetPassword(context.Background(), id, PasswordInput{Password: "second-password-2"})
			if err != nil {
				t.Fatalf("set password: %v", err)
			}
			if n := fk.count(routePut); n != 1+tc.wantPuts {
				t.Errorf("PUTs for the second password = %d, want %d", n-1, tc.wantPuts)
			}
			stored := fk.hash(id)
			if stored == old {
				t.Fatal("the stored hash did not change")
			}
			if fp != fingerprintOf(stored) {
				t.Errorf("fingerprint = %q, want the stored hash's %q (the old one is %q)", fp, fingerprintOf(stored), fingerprintOf(old))
			}
		})
	}
}

// SetVerification patches the identity it is given; after a lost answer it
// reads it again and patches only what is still needed.
func TestSetVerificationAnswerLost(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]fault{"after applying": dropAfter, "before applying": dropBefore} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fk, c, _ := fakeWithFaults(t, faultsOn(routePatch, f))
			id := fk.seedOld("a@example.com")

			current, err := c.GetIdentity(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.SetVerification(context.Background(), current, map[string]bool{"A@example.com": true})
			if err != nil {
				t.Fatalf("set verification: %v", err)
			}
			want := 1
			if !f.applyFirst {
				want = 2
			}
			if n := fk.count(routePatch); n != want {
				t.Errorf("PATCHes = %d, want %d", n, want)
			}
			if v := got.VerifiedValues(); len(v) != 1 || v[0] != "a@example.com" {
				t.Errorf("verified = %v, want [a@example.com]", v)
			}
		})
	}
}
