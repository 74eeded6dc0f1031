package acctest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	client "github.com/ory/client-go"
)

func TestMain(m *testing.M) {
	Main(m)
}

func TestRandomData(t *testing.T) {
	e164 := regexp.MustCompile(`^\+1415[2-9][0-9]{6}$`)
	seen := map[string]bool{}
	for range 200 {
		for _, v := range []string{RandomEmail(), RandomPhone(), RandomUsername()} {
			if seen[v] {
				t.Fatalf("duplicate %q", v)
			}
			seen[v] = true
		}
	}
	if p := RandomPhone(); !e164.MatchString(p) {
		t.Errorf("RandomPhone() = %q, want +1415NXXXXXX", p)
	}
}

// TestHarness proves the harness: identities on each schema, a real login by
// email, phone and username, and a refused wrong password.
func TestHarness(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	PreCheck(t)
	if AdminURL() == "" || PublicURL() == "" || os.Getenv("ORY_URL") != AdminURL() {
		t.Fatalf("admin %q public %q ORY_URL %q", AdminURL(), PublicURL(), os.Getenv("ORY_URL"))
	}

	cases := []struct {
		schema     string
		traits     map[string]any
		identifier string
	}{
		{SchemaEmail, map[string]any{"email": RandomEmail(), "name": "Ada"}, ""},
		{SchemaPhone, map[string]any{"phone": RandomPhone(), "email": RandomEmail()}, ""},
		{SchemaUsername, map[string]any{"username": RandomUsername()}, ""},
	}
	cases[0].identifier = cases[0].traits["email"].(string)
	cases[1].identifier = cases[1].traits["phone"].(string)
	cases[2].identifier = cases[2].traits["username"].(string)

	for _, tc := range cases {
		t.Run(tc.schema, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			password := RandomPassword()
			id := createIdentity(t, tc.schema, tc.traits, password)

			token, err := Login(ctx, tc.identifier, password)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			got, err := WhoAmI(ctx, token)
			if err != nil {
				t.Fatalf("WhoAmI: %v", err)
			}
			if got != id {
				t.Errorf("WhoAmI = %s, want %s", got, id)
			}

			_, err = Login(ctx, tc.identifier, password+"x")
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("Login with a wrong password: err = %v, want ErrInvalidCredentials", err)
			}
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("Login error shows the password: %v", err)
			}

			// client-go decodes Kratos v1.3.1's answers.
			found, _, err := Client().IdentityAPI.ListIdentities(ctx).CredentialsIdentifier(tc.identifier).Execute()
			if err != nil || len(found) != 1 || found[0].Id != id {
				t.Errorf("ListIdentities(credentials_identifier=%s) = %v, %v", tc.identifier, found, err)
			}
			ident, _, err := Client().IdentityAPI.GetIdentity(ctx, id).IncludeCredential([]string{"password"}).Execute()
			if err != nil {
				t.Fatalf("GetIdentity: %v %s", err, apiBody(err))
			}
			if h := ident.GetCredentials()["password"].Config["hashed_password"]; h == nil {
				t.Errorf("GetIdentity(include_credential=password) has no hashed_password")
			}
			if _, err := WhoAmI(ctx, "not-a-token"); err == nil {
				t.Error("WhoAmI with a bogus token succeeded")
			}
		})
	}
}

// TestPhoneRange checks RandomPhone against Kratos's own "tel" check.
func TestPhoneRange(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	for range 20 {
		createIdentity(t, SchemaPhone, map[string]any{"phone": RandomPhone()}, "")
	}
}

func createIdentity(t *testing.T, schema string, traits map[string]any, password string) string {
	t.Helper()
	body := client.NewCreateIdentityBody(schema, traits)
	if password != "" {
		body.SetCredentials(client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
			Config: &client.IdentityWithCredentialsPasswordConfig{Password: &password},
		}})
	}
	c := Client()
	ident, resp, err := c.IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(*body).Execute()
	if err != nil {
		t.Fatalf("CreateIdentity(%s, %v): %v %s", schema, traits, err, apiBody(err))
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("CreateIdentity: HTTP %d", resp.StatusCode)
	}
	t.Cleanup(func() {
		if _, err := c.IdentityAPI.DeleteIdentity(context.Background(), ident.Id).Execute(); err != nil {
			t.Errorf("DeleteIdentity: %v %s", err, apiBody(err))
		}
	})
	return ident.Id
}

// TestParallelUse runs what parallel provider tests do at once: the database
// must make concurrent writers wait, not fail them.
func TestParallelUse(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			for range 3 {
				email, password := RandomEmail(), RandomPassword()
				id := createIdentity(t, SchemaEmail, map[string]any{"email": email}, password)
				token, err := Login(ctx, email, password)
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				if got, err := WhoAmI(ctx, token); err != nil || got != id {
					t.Fatalf("WhoAmI = %q, %v; want %s", got, err, id)
				}
			}
		})
	}
}

// TestSecondFactor proves the second-factor helpers on Kratos itself: a
// login with a password alone is complete until the person enrols TOTP in
// the settings flow, and needs the second factor after; removing the TOTP
// credential through the admin API makes the password enough again. It
// also pins what Kratos answers to removals of absent credentials.
func TestSecondFactor(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	ctx := context.Background()
	email, password := RandomEmail(), RandomPassword()
	id := createIdentity(t, SchemaEmail, map[string]any{"email": email}, password)

	if need, err := LoginNeedsSecondFactor(ctx, email, password); err != nil || need {
		t.Fatalf("before enrolment: LoginNeedsSecondFactor = %v, %v; want false", need, err)
	}
	token, err := Login(ctx, email, password)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := EnrolTOTP(ctx, token)
	if err != nil || secret == "" {
		t.Fatalf("EnrolTOTP: %v", err)
	}
	if need, err := LoginNeedsSecondFactor(ctx, email, password); err != nil || !need {
		t.Fatalf("after enrolment: LoginNeedsSecondFactor = %v, %v; want true", need, err)
	}
	// Kratos raises the enrolling session itself to aal2.
	if need, err := SecondFactorRequired(ctx, token); err != nil || need {
		t.Errorf("the enrolling session: SecondFactorRequired = %v, %v; want false", need, err)
	}

	del := func(identity, method string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, AdminURL()+"/admin/identities/"+identity+"/credentials/"+method, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		identity, method string
		want             int
	}{
		{id, "totp", http.StatusNoContent},
		{id, "totp", http.StatusNotFound},                                     // already removed
		{id, "lookup_secret", http.StatusNotFound},                            // never enrolled
		{id, "webauthn", http.StatusNotFound},                                 // never enrolled
		{id, "password", http.StatusBadRequest},                               // a first factor
		{"00000000-0000-4000-8000-000000000000", "totp", http.StatusNotFound}, // no such identity
	} {
		if got := del(c.identity, c.method); got != c.want {
			t.Errorf("DELETE /admin/identities/%s/credentials/%s = HTTP %d, want %d", c.identity, c.method, got, c.want)
		}
	}
	if need, err := LoginNeedsSecondFactor(ctx, email, password); err != nil || need {
		t.Fatalf("after removal: LoginNeedsSecondFactor = %v, %v; want false", need, err)
	}
}
