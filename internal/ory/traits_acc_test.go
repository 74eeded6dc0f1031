package ory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// What the provider derives from traits at plan time is what Kratos stores,
// for every schema of the harness and many shapes of traits; what it
// refuses, Kratos refuses, for the same reason.
func TestAccDeriveAndValidateAgreeWithKratos(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs against Kratos: set TF_ACC=1")
	}
	t.Parallel()
	c, err := New(Config{URL: acctest.AdminURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u := acctest.RandomUsername()
	spaced := func(p string) string { return p[:2] + " " + p[2:5] + " " + p[5:8] + " " + p[8:] }
	dashed := func(p string) string { return p[:2] + " (" + p[2:5] + ") " + p[5:8] + "-" + p[8:] }
	phones := []string{spaced(acctest.RandomPhone()), acctest.RandomPhone(), dashed(acctest.RandomPhone())}
	valid := []struct {
		schema string
		traits string
	}{
		{acctest.SchemaEmail, `{"email": "Mixed.Case-%[1]s@Example.COM", "role": "admin"}`},
		{acctest.SchemaEmail, `{"email": " Leading.Space-%[1]s@example.com"}`},
		{acctest.SchemaPhone, `{"phone": "%[2]s"}`},
		{acctest.SchemaPhone, `{"phone": "%[3]s", "email": "Phone.Owner-%[1]s@Example.com"}`},
		{acctest.SchemaUsername, `{"username": "Admin-%[1]s"}`},
		{acctest.SchemaRecord, `{"name": "record-%[1]s", "employee_number": 90071992547409930, "ratio": 0.5}`},
		{acctest.SchemaContacts, `{"emails": ["One-%[1]s@example.com", "two-%[1]s@EXAMPLE.com"]}`},
		{acctest.SchemaContacts, `{"emails": ["same-%[1]s@example.com", "Same-%[1]s@example.com"], "username": "Both-%[1]s"}`},
		{acctest.SchemaContacts, `{"phone": "%[4]s"}`},
		{acctest.SchemaContacts, `{"username": "Only-%[1]s", "name": {"first": "A", "last": "B"}}`},
	}
	for _, tc := range valid {
		traits := fmt.Sprintf(tc.traits, u, phones[0], phones[1], phones[2])
		t.Run("valid/"+tc.schema+"/"+traits, func(t *testing.T) {
			s, err := c.Schema(ctx, tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ValidateTraits([]byte(traits)); err != nil {
				t.Fatalf("ValidateTraits: %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(traits), &m); err != nil {
				t.Fatal(err)
			}
			want := s.Derive(m)

			got, err := createAndRead(ctx, c, tc.schema, traits)
			if err != nil {
				t.Fatalf("Kratos refused traits the provider accepts: %v", err)
			}
			t.Cleanup(func() { _ = c.DeleteIdentity(context.Background(), got.ID) })
			if !slices.Equal(got.verifiable, want.VerifiableAddresses) {
				t.Errorf("verifiable addresses: Kratos stored %v, derived %v", got.verifiable, want.VerifiableAddresses)
			}
			if !slices.Equal(got.recovery, want.RecoveryAddresses) {
				t.Errorf("recovery addresses: Kratos stored %v, derived %v", got.recovery, want.RecoveryAddresses)
			}
			if !slices.Equal(got.identifiers, want.Identifiers) {
				t.Errorf("identifiers: Kratos stored %q, derived %q", got.identifiers, want.Identifiers)
			}
			for _, a := range got.statuses {
				if a != "pending/false" {
					t.Errorf("a new address is %s, want pending/false", a)
				}
			}
		})
	}

	invalid := []struct {
		schema, traits, problem string
	}{
		{acctest.SchemaPhone, `{"phone": "12345"}`, `traits.phone: "12345" is not valid "tel"`},
		{acctest.SchemaPhone, `{"phone": "+14155550100x", "email": "x"}`, `traits.email: "x" is not valid "email"`},
		{acctest.SchemaEmail, `{"role": "admin"}`, `traits: missing properties: "email"`},
		{acctest.SchemaUsername, `{"username": "ab"}`, `traits.username: length must be >= 3, but got 2`},
		{acctest.SchemaUsername, `{"username": "abc", "emial": "typo@example.com"}`, `traits: additionalProperties "emial" not allowed`},
		{acctest.SchemaEmail, `{"email": "not-an-email"}`, `traits.email: "not-an-email" is not valid "email"`},
		{acctest.SchemaEmail, `{"email": "padded@example.com "}`, `traits.email: "padded@example.com " is not valid "email"`},
		{acctest.SchemaContacts, `{"emails": ["ok@example.com", "broken"]}`, `traits.emails[1]: "broken" is not valid "email"`},
		{acctest.SchemaContacts, `{"name": {"first": 1}}`, `traits.name.first: expected string, but got number`},
		{acctest.SchemaRecord, `{"employee_number": 1.5}`, `traits.employee_number: expected integer, but got number`},
		{acctest.SchemaContacts, `{"phone": "+1 415 000"}`, `traits.phone: "+1 415 000" is not valid "tel"`},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.schema+"/"+tc.traits, func(t *testing.T) {
			s, err := c.Schema(ctx, tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			err = s.ValidateTraits([]byte(tc.traits))
			var te *TraitsError
			if !errors.As(err, &te) || !slices.Contains(te.Problems, tc.problem) {
				t.Errorf("ValidateTraits = %v, want the problem %q", err, tc.problem)
			}
			got, kerr := createAndRead(ctx, c, tc.schema, tc.traits)
			if kerr == nil {
				_ = c.DeleteIdentity(ctx, got.ID)
				t.Fatal("Kratos accepted traits the provider refuses")
			}
			var apiErr *APIError
			_, msg, _ := strings.Cut(tc.problem, ": ")
			if !errors.As(kerr, &apiErr) || apiErr.Status != http.StatusBadRequest || !strings.Contains(apiErr.Reason, msg) {
				t.Errorf("Kratos refused them with %v, want HTTP 400 saying %q", kerr, msg)
			}
		})
	}

	t.Run("unknown schema", func(t *testing.T) {
		_, err := c.Schema(ctx, "no-such-schema")
		var unknown *UnknownSchemaError
		if !errors.As(err, &unknown) || !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want an UnknownSchemaError", err)
		}
		for _, id := range acctest.BuiltinSchemas {
			if !slices.Contains(unknown.Known, id) {
				t.Errorf("the error lists %q, not %q", unknown.Known, id)
			}
		}
	})
}

type stored struct {
	ID          string
	verifiable  []Address
	recovery    []Address
	identifiers []string
	statuses    []string
}

// createAndRead creates an identity through the admin API and reads back
// what Kratos derived, sorted as Derive sorts it.
func createAndRead(ctx context.Context, c *Client, schema, traits string) (stored, error) {
	var created struct {
		ID string `json:"id"`
	}
	body := map[string]any{"schema_id": schema, "traits": json.RawMessage(traits)}
	if _, err := c.do(ctx, http.MethodPost, "/admin/identities", nil, body, &created); err != nil {
		return stored{}, err
	}
	var got struct {
		Verifiable []struct {
			Value, Via, Status string
			Verified           bool
		} `json:"verifiable_addresses"`
		Recovery    []Address `json:"recovery_addresses"`
		Credentials map[string]struct {
			Identifiers []string `json:"identifiers"`
		} `json:"credentials"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/admin/identities/"+created.ID, nil, nil, &got); err != nil {
		return stored{ID: created.ID}, err
	}
	out := stored{ID: created.ID}
	verifiable := map[Address]bool{}
	for _, a := range got.Verifiable {
		verifiable[Address{Value: a.Value, Via: a.Via}] = true
		out.statuses = append(out.statuses, fmt.Sprintf("%s/%t", a.Status, a.Verified))
	}
	recovery := map[Address]bool{}
	for _, a := range got.Recovery {
		recovery[a] = true
	}
	ids := map[string]bool{}
	for _, method := range []string{"password", "code", "webauthn"} {
		for _, id := range got.Credentials[method].Identifiers {
			ids[id] = true
		}
	}
	out.verifiable, out.recovery = sortedAddresses(verifiable), sortedAddresses(recovery)
	out.identifiers = slices.Sorted(maps.Keys(ids))
	return out, nil
}

// A coalesced read (the list API) gives each identity exactly as a single
// read does: traits, addresses, login identifiers of every method, and the
// password fingerprint.
func TestAccBatchedReadMatchesSingleRead(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs against Kratos: set TF_ACC=1")
	}
	t.Parallel()
	c, err := New(Config{URL: acctest.AdminURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u := acctest.RandomUsername()
	var ids []string
	for i, traits := range []string{
		fmt.Sprintf(`{"emails": ["a-%s@example.com"], "phone": %q, "username": "u-%s"}`, u, acctest.RandomPhone(), u),
		fmt.Sprintf(`{"email": "b-%s@example.com"}`, u),
	} {
		schema := []string{acctest.SchemaContacts, acctest.SchemaEmail}[i]
		body := map[string]any{"schema_id": schema, "traits": json.RawMessage(traits),
			"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"password": acctest.RandomPassword()}}}}
		var created struct {
			ID string `json:"id"`
		}
		if _, err := c.do(ctx, http.MethodPost, "/admin/identities", nil, body, &created); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.DeleteIdentity(context.Background(), created.ID) })
		ids = append(ids, created.ID)
	}
	many, err := c.getMany(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		one, err := c.getOne(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := many[id]
		if !ok {
			t.Fatalf("the batch lacks %s", id)
		}
		if !slices.Equal(got.Identifiers, one.Identifiers) || got.PasswordFingerprint != one.PasswordFingerprint ||
			!SameJSON(got.Traits, one.Traits) || !slices.Equal(got.VerifiableAddresses, one.VerifiableAddresses) {
			t.Errorf("identity %s read in a batch differs from a single read:\nbatch  %+v\nsingle %+v", id, got, one)
		}
		if len(one.Identifiers) == 0 || one.PasswordFingerprint == "" {
			t.Errorf("identity %s: a single read has identifiers %q and fingerprint %q, want both", id, one.Identifiers, one.PasswordFingerprint)
		}
	}
}
