package acctest

import (
	"context"
	"fmt"
	"os"
	"testing"

	ory "github.com/ory/client-go"
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
			subject := "sub-" + randomHex(8)
			id := createIdentity(t, SchemaEmail, map[string]any{"email": RandomEmail()}, "")
			linkOIDC(t, id, subject)

			got, err := LoginOIDC(ctx, subject, RandomEmail())
			if err != nil {
				t.Fatalf("LoginOIDC(linked): %v", err)
			}
			if got != id {
				t.Errorf("LoginOIDC(linked) landed on %s, want %s", got, id)
			}

			other, err := LoginOIDC(ctx, "sub-"+randomHex(8), RandomEmail())
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

// linkOIDC links identity id to subject at the test provider, as an admin
// would: PUT with the identity as it is and the OIDC credential to import.
func linkOIDC(t *testing.T, id, subject string) {
	t.Helper()
	ctx := context.Background()
	c := Client()
	ident, _, err := c.IdentityAPI.GetIdentity(ctx, id).Execute()
	if err != nil {
		t.Fatalf("GetIdentity: %v %s", err, apiBody(err))
	}
	traits, _ := ident.Traits.(map[string]any)
	body := ory.NewUpdateIdentityBody(ident.SchemaId, ident.GetState(), traits)
	body.SetCredentials(ory.IdentityWithCredentials{Oidc: &ory.IdentityWithCredentialsOidc{
		Config: &ory.IdentityWithCredentialsOidcConfig{Providers: []ory.IdentityWithCredentialsOidcConfigProvider{
			{Provider: OIDCProviderID, Subject: subject},
		}},
	}})
	if _, _, err := c.IdentityAPI.UpdateIdentity(ctx, id).UpdateIdentityBody(*body).Execute(); err != nil {
		t.Fatalf("UpdateIdentity (link %s): %v %s", subject, err, apiBody(err))
	}
}
