package provider_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

const oidcAddr = "ory_identity_oidc_credential.test"

// oidcCredentialConfig is two email identities, test and other, and, unless
// target is "", a link of identity target to subject at the test provider.
// Both have a password: Kratos v25.4.0 and later refuse to unlink an
// identity's only way to log in (TestAccIdentityOIDCCredential_onlyLogin).
func oidcCredentialConfig(email, otherEmail, target, subject string) string {
	cfg := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q })
  verified_addresses = [%q]
  metadata_public    = jsonencode({ role = "admin" })
  metadata_admin     = jsonencode({ ticket = "OPS-7" })
}

resource "ory_identity" "other" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity_password" "test" {
  identity_id = ory_identity.test.id
  password    = "Correct-Horse-Battery-7"
}

resource "ory_identity_password" "other" {
  identity_id = ory_identity.other.id
  password    = "Correct-Horse-Battery-7"
}
`, email, email, otherEmail)
	if target != "" {
		cfg += fmt.Sprintf(`
resource "ory_identity_oidc_credential" "test" {
  identity_id = ory_identity.%s.id
  provider_id = %q
  subject     = %q
}
`, target, acctest.OIDCProviderID, subject)
	}
	return cfg
}

// expectSSO logs in through Kratos's OIDC flow as subject and checks that
// the session belongs to identity *id.
func expectSSO(subject string, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := acctest.LoginOIDC(context.Background(), subject, acctest.RandomEmail())
		if err != nil {
			return fmt.Errorf("SSO login as %q: %w", subject, err)
		}
		if got != *id {
			return fmt.Errorf("SSO login as %q landed on identity %s, want %s", subject, got, *id)
		}
		return nil
	}
}

// expectSSOElsewhere logs in as subject and checks that it does not land on
// identity *id: Kratos registers a new identity for a subject nobody is
// linked to. That identity is deleted, so that the subject is free again.
func expectSSOElsewhere(subject string, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		got, err := acctest.LoginOIDC(ctx, subject, acctest.RandomEmail())
		if err != nil {
			return fmt.Errorf("SSO login as %q: %w", subject, err)
		}
		if got == *id {
			return fmt.Errorf("SSO login as %q landed on identity %s, want a new identity", subject, got)
		}
		if _, err := acctest.Client().IdentityAPI.DeleteIdentity(ctx, got).Execute(); err != nil {
			return fmt.Errorf("deleting the identity the SSO login registered: %w", err)
		}
		return nil
	}
}

// expectOIDCLinks checks identity *id's OIDC links through the admin API.
func expectOIDCLinks(id *string, subjects ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := acctest.OIDCLinks(context.Background(), *id)
		if err != nil {
			return err
		}
		var want []string
		for _, s := range subjects {
			want = append(want, acctest.OIDCProviderID+":"+s)
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("OIDC links of identity %s = %v, want %v", *id, got, want)
		}
		return nil
	}
}

// expectOIDCCredentialID checks the id attribute: identity, provider, subject.
func expectOIDCCredentialID(id *string, subject string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(oidcAddr, "id", func(v string) error {
		if want := *id + "/" + acctest.OIDCProviderID + "/" + subject; v != want {
			return fmt.Errorf("id = %q, want %q", v, want)
		}
		return nil
	})
}

// The whole life of a link, proven with real SSO logins: without the link
// the login registers a new identity; with it, it lands on the managed one;
// import, drift, a new subject, a move to another identity, and destroy.
func TestAccIdentityOIDCCredential_lifecycle(t *testing.T) {
	email, otherEmail := acctest.RandomEmail(), acctest.RandomEmail()
	subject, newSubject := "sub-"+acctest.RandomUsername(), "sub-"+acctest.RandomUsername()
	var id, otherID string
	var before []byte
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				// Before the link, the same login is somebody else.
				Config: oidcCredentialConfig(email, otherEmail, "", ""),
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					captureID("ory_identity.other", &otherID),
					expectSSOElsewhere(subject, &id),
					func(*terraform.State) error {
						before = identitySnapshot(t, id)
						return nil
					},
				),
			},
			{
				Config: oidcCredentialConfig(email, otherEmail, "test", subject),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(oidcAddr, tfjsonpath.New("provider_id"), knownvalue.StringExact(acctest.OIDCProviderID)),
					statecheck.ExpectKnownValue(oidcAddr, tfjsonpath.New("subject"), knownvalue.StringExact(subject)),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair(oidcAddr, "identity_id", identityAddr, "id"),
					expectOIDCCredentialID(&id, subject),
					expectOIDCLinks(&id, subject),
					expectSSO(subject, &id),
					// Linking changed nothing else of the identity.
					expectUnchanged(t, &id, &before),
				),
			},
			{
				Config: oidcCredentialConfig(email, otherEmail, "test", subject),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName:      oidcAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// Unlinked outside Terraform: plan links it again.
				PreConfig: func() {
					if err := acctest.UnlinkOIDC(context.Background(), id, subject); err != nil {
						t.Fatal(err)
					}
				},
				Config: oidcCredentialConfig(email, otherEmail, "test", subject),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(oidcAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeTestCheckFunc(expectOIDCLinks(&id, subject), expectSSO(subject, &id)),
			},
			{
				// A new subject replaces the link: the old one logs in elsewhere.
				Config: oidcCredentialConfig(email, otherEmail, "test", newSubject),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(oidcAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectOIDCCredentialID(&id, newSubject),
					expectOIDCLinks(&id, newSubject),
					expectSSO(newSubject, &id),
					expectSSOElsewhere(subject, &id),
				),
			},
			{
				// Moving the subject to another identity: unlinked from the
				// first before it is linked to the second, so no conflict.
				Config: oidcCredentialConfig(email, otherEmail, "other", newSubject),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(oidcAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectOIDCLinks(&id),
					expectOIDCLinks(&otherID, newSubject),
					expectSSO(newSubject, &otherID),
				),
			},
			{
				// Destroy unlinks: the identity stays, the login lands elsewhere.
				Config: oidcCredentialConfig(email, otherEmail, "", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(oidcAddr, plancheck.ResourceActionDestroy)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectOIDCLinks(&otherID),
					expectSSOElsewhere(newSubject, &otherID),
				),
			},
		},
	})
}

// An identity whose only way to log in is its OIDC link. Destroying the
// link unlinks on Kratos v1.3.1; Kratos v25.4.0 and later refuse, so the
// link leaves the state with a warning and stays in Ory (the subject still
// logs in), and destroying the identity removes both.
func TestAccIdentityOIDCCredential_onlyLogin(t *testing.T) {
	skipUnlessAcc(t)
	email, subject := acctest.RandomEmail(), "sub-"+acctest.RandomUsername()
	config := func(link bool) string {
		cfg := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}
`, email)
		if link {
			cfg += fmt.Sprintf(`
resource "ory_identity_oidc_credential" "test" {
  identity_id = ory_identity.test.id
  provider_id = %q
  subject     = %q
}
`, acctest.OIDCProviderID, subject)
		}
		return cfg
	}
	kept := kratosHas(t, ory.FeatureKeepsLastFirstFactor)
	var id string
	afterUnlink := resource.ComposeTestCheckFunc(expectOIDCLinks(&id), expectSSOElsewhere(subject, &id))
	if kept {
		afterUnlink = resource.ComposeTestCheckFunc(expectOIDCLinks(&id, subject), expectSSO(subject, &id))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := checkIdentitiesDestroyed(s); err != nil {
				return err
			}
			// The identity took the link with it: the subject is free.
			return expectSSOElsewhere(subject, &id)(s)
		},
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check:  resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectOIDCLinks(&id, subject), expectSSO(subject, &id)),
			},
			{
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(oidcAddr, plancheck.ResourceActionDestroy)},
				},
				Check: afterUnlink,
			},
			{
				// Out of the state: nothing left to destroy.
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// A subject linked to another identity is an error that names it: at apply
// when the identity is new, at plan once it exists. Nothing is changed.
func TestAccIdentityOIDCCredential_linkedElsewhere(t *testing.T) {
	skipUnlessAcc(t)
	subject := "sub-" + acctest.RandomUsername()
	holder := createIdentityViaAPI(t, acctest.SchemaEmail, map[string]any{"email": acctest.RandomEmail()})
	if err := acctest.LinkOIDC(context.Background(), holder, subject); err != nil {
		t.Fatal(err)
	}
	cfg := oidcCredentialConfig(acctest.RandomEmail(), acctest.RandomEmail(), "test", subject)
	want := wrapped(fmt.Sprintf(`OIDC Subject Linked to Another Identity.*Subject %q of OIDC provider %q is already linked to identity %s.*terraform import <address> %s/%s/%s`,
		subject, acctest.OIDCProviderID, holder, holder, acctest.OIDCProviderID, subject))
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: want},
			{Config: cfg, PlanOnly: true, ExpectError: want},
			{
				Config: oidcCredentialConfig(acctest.RandomEmail(), acctest.RandomEmail(), "", ""),
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					expectOIDCLinks(&id),
					expectOIDCLinks(&holder, subject),
					expectSSO(subject, &holder),
				),
			},
		},
	})
}

// Bad arguments fail at plan time, naming the attribute.
func TestAccIdentityOIDCCredential_invalidConfig(t *testing.T) {
	config := func(identityID, providerID, subject string) string {
		return fmt.Sprintf(`
resource "ory_identity_oidc_credential" "test" {
  identity_id = %q
  provider_id = %q
  subject     = %q
}`, identityID, providerID, subject)
	}
	const missing = "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"
	step := func(cfg, err string) resource.TestStep {
		return resource.TestStep{Config: cfg, PlanOnly: true, ExpectError: wrapped(err)}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(config("admin", "google", "1234"), `Invalid Identity ID.*identity_id must be an identity UUID.*got "admin"`),
			step(config(missing, "", "1234"), `provider_id string length must be at least 1`),
			step(config(missing, "google/workspace", "1234"), `provider_id must not contain a slash`),
			step(config(missing, "google", ""), `subject string length must be at least 1`),
			step(config(missing, "google", "1234"), `Identity Not Found.*There is no identity `+missing),
		},
	})
}
