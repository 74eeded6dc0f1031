package provider_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	client "github.com/ory/client-go"
	"golang.org/x/crypto/argon2"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// Helpers shared by the acceptance tests: identities made and read through
// the API, logins, and checks of what Ory holds.

// wrapped compiles a pattern for an error text that Terraform wraps at any
// space: each space matches any run of white space, and . matches newlines.
func wrapped(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// testServerVersion is the release of the test Kratos (KRATOS_BIN picks
// the line), learned once as the provider learns it.
var testServerVersion = sync.OnceValues(func() (ory.ServerVersion, error) {
	c, err := ory.New(ory.Config{URL: acctest.AdminURL()})
	if err != nil {
		return ory.ServerVersion{}, err
	}
	return c.ServerVersion(context.Background()), nil
})

// kratosHas reports whether the test Kratos has f: the tests of behaviour
// that differs between Kratos's lines check each line's.
func kratosHas(t *testing.T, f ory.Feature) bool {
	t.Helper()
	v, err := testServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	supported, known := v.Supports(f)
	if !known {
		t.Fatalf("the test Kratos runs %s: which line it is must be known", v)
	}
	return supported
}

func captureID(addr string, id *string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(addr, "id", func(v string) error {
		if v == "" {
			return fmt.Errorf("empty id")
		}
		*id = v
		return nil
	})
}

// checkIdentitiesDestroyed asks Kratos that every identity in state is gone.
func checkIdentitiesDestroyed(s *terraform.State) error {
	for _, rs := range s.RootModule().Resources {
		if rs.Type != "ory_identity" {
			continue
		}
		_, resp, err := acctest.Client().IdentityAPI.GetIdentity(context.Background(), rs.Primary.ID).Execute()
		if resp == nil {
			return fmt.Errorf("asking Kratos for identity %s: %w", rs.Primary.ID, err)
		}
		if resp.StatusCode != 404 {
			return fmt.Errorf("identity %s still exists (HTTP %d)", rs.Primary.ID, resp.StatusCode)
		}
	}
	return nil
}

func apiIdentity(t *testing.T, id string) *client.Identity {
	t.Helper()
	got, _, err := acctest.Client().IdentityAPI.GetIdentity(context.Background(), id).Execute()
	if err != nil {
		t.Fatalf("reading identity %s through the API: %v", id, err)
	}
	return got
}

func createIdentityViaAPI(t *testing.T, schemaID string, traits map[string]any) string {
	t.Helper()
	got, _, err := acctest.Client().IdentityAPI.CreateIdentity(context.Background()).
		CreateIdentityBody(client.CreateIdentityBody{SchemaId: schemaID, Traits: traits}).Execute()
	if err != nil {
		t.Fatalf("creating an identity through the API: %v", err)
	}
	t.Cleanup(func() { _, _ = acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), got.Id).Execute() })
	return got.Id
}

func credentialIdentifiers(t *testing.T, id string) []string {
	t.Helper()
	got, _, err := acctest.Client().IdentityAPI.GetIdentity(context.Background(), id).IncludeCredential([]string{"password"}).Execute()
	if err != nil {
		t.Fatalf("reading identity %s through the API: %v", id, err)
	}
	creds := got.GetCredentials()
	return creds["password"].Identifiers
}

func expectTraits(got *client.Identity, want map[string]any) error {
	g, _ := json.Marshal(got.Traits)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		return fmt.Errorf("traits in Kratos = %s, want %s", g, w)
	}
	return nil
}

// expectVerified checks that exactly the given addresses are verified.
func expectVerified(got *client.Identity, want ...string) error {
	var verified []string
	for _, a := range got.VerifiableAddresses {
		if a.Verified {
			if a.Status != "completed" {
				return fmt.Errorf("address %s is verified with status %q", a.Value, a.Status)
			}
			verified = append(verified, a.Value)
		}
	}
	sort.Strings(verified)
	sort.Strings(want)
	if strings.Join(verified, ",") != strings.Join(want, ",") {
		return fmt.Errorf("verified addresses in Kratos = %v, want %v", verified, want)
	}
	return nil
}

func createIdentityWithPassword(t *testing.T, email, password string) string {
	t.Helper()
	got, _, err := acctest.Client().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(client.CreateIdentityBody{
		SchemaId: "email", Traits: map[string]any{"email": email},
		Credentials: &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
			Config: &client.IdentityWithCredentialsPasswordConfig{Password: &password},
		}},
	}).Execute()
	if err != nil {
		t.Fatalf("creating an identity through the API: %v", err)
	}
	t.Cleanup(func() { _, _ = acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), got.Id).Execute() })
	return got.Id
}

// identitySnapshot is everything of an identity that setting a password
// must leave alone, as JSON.
func identitySnapshot(t *testing.T, id string) []byte {
	t.Helper()
	got := apiIdentity(t, id)
	type address struct {
		Value, Via, Status string
		Verified           bool
	}
	var addrs []address
	for _, a := range got.VerifiableAddresses {
		addrs = append(addrs, address{a.Value, a.Via, a.Status, a.Verified})
	}
	b, err := json.Marshal(map[string]any{
		"schema_id": got.SchemaId, "traits": got.Traits, "state": got.State,
		"metadata_public": got.MetadataPublic, "metadata_admin": got.MetadataAdmin,
		"verifiable_addresses": addrs, "recovery_addresses": got.RecoveryAddresses,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expectUnchanged(t *testing.T, id *string, before *[]byte) resource.TestCheckFunc {
	return func(*terraform.State) error {
		after := identitySnapshot(t, *id)
		if string(after) != string(*before) {
			return fmt.Errorf("the identity changed:\nbefore %s\nafter  %s", *before, after)
		}
		return nil
	}
}

// changeOwnPassword is the person at work: they log in with password and
// choose next in their account settings (the settings flow).
func changeOwnPassword(t *testing.T, identifier, password, next string) {
	t.Helper()
	ctx := context.Background()
	token, err := acctest.Login(ctx, identifier, password)
	if err != nil {
		t.Fatalf("logging in before the settings flow: %v", err)
	}
	if err := acctest.ChangePasswordViaSettings(ctx, token, next); err != nil {
		t.Fatalf("changing the password in the settings flow: %v", err)
	}
}

// expectLogin checks, when the step has been applied, that identifier
// logs in with password as identity *id.
func expectLogin(identifier, password string, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error { return loginWorks(identifier, password, *id) }
}

func expectNoLogin(identifier, password, what string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, err := acctest.Login(context.Background(), identifier, password); err == nil {
			return fmt.Errorf("login with %s succeeded, want it refused", what)
		}
		return nil
	}
}

// whoami checks that token is a working session of identity id.
func whoami(token, id string) error {
	got, err := acctest.WhoAmI(context.Background(), token)
	if err != nil {
		return err
	}
	if got != id {
		return fmt.Errorf("the session belongs to %s, want %s", got, id)
	}
	return nil
}

// loginWorks logs in through the public API login flow and checks that
// the session belongs to identity id.
func loginWorks(identifier, password, id string) error {
	token, err := acctest.Login(context.Background(), identifier, password)
	if err != nil {
		return fmt.Errorf("logging in with the configured password: %w", err)
	}
	return whoami(token, id)
}

// sharedIdentifier creates two identities through the admin API that both
// match one credentials identifier: one signs in with it as username, the
// other has it as OIDC identifier ("provider:subject"). It returns the value
// and the two ids, sorted.
func sharedIdentifier(t *testing.T) (string, []string) {
	t.Helper()
	subject := strings.TrimPrefix(acctest.RandomUsername(), "tf-acc-")
	shared := "tfacc:" + subject
	byPassword := createIdentityViaAPI(t, "username", map[string]any{"username": shared})

	got, _, err := acctest.Client().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(client.CreateIdentityBody{
		SchemaId: "username",
		Traits:   map[string]any{"username": acctest.RandomUsername()},
		Credentials: &client.IdentityWithCredentials{Oidc: &client.IdentityWithCredentialsOidc{
			Config: &client.IdentityWithCredentialsOidcConfig{Providers: []client.IdentityWithCredentialsOidcConfigProvider{{Provider: "tfacc", Subject: subject}}},
		}},
	}).Execute()
	if err != nil {
		t.Fatalf("creating an identity with an OIDC credential through the API: %v", err)
	}
	t.Cleanup(func() { _, _ = acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), got.Id).Execute() })

	ids := []string{byPassword, got.Id}
	if ids[0] > ids[1] {
		ids[0], ids[1] = ids[1], ids[0]
	}
	return shared, ids
}

// argon2idHash is an argon2id hash of password, in the format Kratos
// imports; Kratos (configured for bcrypt) re-hashes it at the first login.
func argon2idHash(t *testing.T, password string) string {
	t.Helper()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		t.Fatal(err)
	}
	key := argon2.IDKey([]byte(password), salt, 1, 16*1024, 1, 32)
	return fmt.Sprintf("$argon2id$v=19$m=16384,t=1,p=1$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}
