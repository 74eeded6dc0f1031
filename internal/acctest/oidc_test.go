package acctest

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestLoginOIDC proves the OIDC provider and LoginOIDC: a subject linked to
// an identity lands on it, an unlinked one registers a new identity, and
// parallel logins each get their own user.
func TestLoginOIDC(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	PreCheck(t)
	if OIDC() == nil || OIDC().ID != OIDCProviderID {
		t.Fatalf("OIDC() = %+v, want the provider %q", OIDC(), OIDCProviderID)
	}
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			subject := "sub-" + RandomHex(8)
			id := createIdentity(t, SchemaEmail, map[string]any{"email": RandomEmail()}, "")
			if err := LinkOIDC(ctx, id, subject); err != nil {
				t.Fatal(err)
			}

			got, err := LoginOIDC(ctx, subject, RandomEmail())
			if err != nil {
				t.Fatalf("LoginOIDC(linked): %v", err)
			}
			if got != id {
				t.Errorf("LoginOIDC(linked) landed on %s, want %s", got, id)
			}

			other, err := LoginOIDC(ctx, "sub-"+RandomHex(8), RandomEmail())
			if err != nil {
				t.Fatalf("LoginOIDC(unlinked): %v", err)
			}
			if _, err := Client().IdentityAPI.DeleteIdentity(ctx, other).Execute(); err != nil {
				t.Errorf("deleting the registered identity: %v %s", err, apiBody(err))
			}
			if other == id {
				t.Errorf("LoginOIDC(unlinked) landed on the linked identity %s", id)
			}
		})
	}
}
