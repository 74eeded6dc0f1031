package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	client "github.com/ory/client-go"
	"golang.org/x/crypto/bcrypt"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

const passwordAddr = "ory_identity_password.test"

// passwordConfig is an email identity and its password, given as attrs.
func passwordConfig(email, attrs string) string {
	return passwordIdentityConfig(email) + fmt.Sprintf(`

resource "ory_identity_password" "test" {
  identity_id = ory_identity.test.id
  %s
}`, attrs)
}

// passwordIdentityConfig is the identity of passwordConfig, alone.
func passwordIdentityConfig(email string) string {
	return fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, name = "Admin" })
  verified_addresses = [%q]
  metadata_public    = jsonencode({ role = "admin" })
  metadata_admin     = jsonencode({ ticket = "OPS-7" })
}`, email, email)
}

// The sensitive password (for Terraform < 1.11): login works, rotation
// works, import works, and nothing else of the identity changes.
func TestAccIdentityPassword_password(t *testing.T) {
	email := acctest.RandomEmail()
	first, second := acctest.RandomPassword(), acctest.RandomPassword()
	var id string
	var before []byte
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				// The identity alone first, to compare it before and after.
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, name = "Admin" })
  verified_addresses = [%q]
  metadata_public    = jsonencode({ role = "admin" })
  metadata_admin     = jsonencode({ ticket = "OPS-7" })
}`, email, email),
				Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), func(*terraform.State) error {
					before = identitySnapshot(t, id)
					return nil
				}),
			},
			{
				Config: passwordConfig(email, fmt.Sprintf("password = %q", first)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(passwordAddr, tfjsonpath.New("password")),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair(passwordAddr, "identity_id", identityAddr, "id"),
					resource.TestMatchResourceAttr(passwordAddr, "credential_fingerprint", fingerprintPattern),
					expectLogin(email, first, &id),
					expectUnchanged(t, &id, &before),
				),
			},
			{
				// A clean apply plans nothing.
				Config:   passwordConfig(email, fmt.Sprintf("password = %q", first)),
				PlanOnly: true,
			},
			{
				Config: passwordConfig(email, fmt.Sprintf("password = %q", second)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectLogin(email, second, &id),
					expectNoLogin(email, first, "the previous password"),
					expectUnchanged(t, &id, &before),
				),
			},
			{
				ResourceName:            passwordAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password"},
			},
		},
	})
}

// The seed conversation's user: log in with the phone number as identifier.
func TestAccIdentityPassword_phoneLogin(t *testing.T) {
	phone, email, password := acctest.RandomPhone(), acctest.RandomEmail(), acctest.RandomPassword()
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "phone"
  traits             = jsonencode({ phone = %q, email = %q })
  verified_addresses = [%q]
}

resource "ory_identity_password" "test" {
  identity_id = ory_identity.test.id
  password    = %q
}`, phone, email, email, password),
			Check: resource.ComposeTestCheckFunc(
				captureID(identityAddr, &id),
				expectLogin(phone, password, &id),
				// The email is verifiable but not a login identifier.
				expectNoLogin(email, password, "the email, which is not an identifier"),
			),
		}},
	})
}

// The write-only password: login works, rotation by version works, and the
// password is in neither state nor plan.
func TestAccIdentityPassword_writeOnly(t *testing.T) {
	phone, email := acctest.RandomPhone(), acctest.RandomEmail()
	first, second := acctest.RandomPassword(), acctest.RandomPassword()
	var id string
	config := func(password string, version int) string {
		return fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "phone"
  traits             = jsonencode({ phone = %q, email = %q })
  verified_addresses = [%q]
}

resource "ory_identity_password" "test" {
  identity_id         = ory_identity.test.id
  password_wo         = %q
  password_wo_version = %d
}`, phone, email, email, password, version)
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config(first, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{planLacks(first)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("password_wo"), knownNull),
					stateLacks(first),
				},
				Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectLogin(phone, first, &id)),
			},
			{
				// A changed password with the same version is not sent: the
				// version is how a rotation is asked for.
				Config:   config(second, 1),
				PlanOnly: true,
			},
			{
				Config: config(second, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate),
						planLacks(second),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateLacks(second)},
				Check: resource.ComposeTestCheckFunc(
					expectLogin(phone, second, &id),
					expectNoLogin(phone, first, "the rotated-away password"),
				),
			},
		},
	})
}

// Existing hashes are imported, and the user's password keeps working. An
// argon2id hash is re-hashed by Kratos (configured for bcrypt) at the first
// login: plan shows it, apply sets the same hash again, nobody is locked out.
func TestAccIdentityPassword_hashedPassword(t *testing.T) {
	password := acctest.RandomPassword()
	bcryptHash, err := bcrypt.GenerateFromPassword([]byte(password), 4)
	if err != nil {
		t.Fatal(err)
	}
	argonHash := argon2idHash(t, password)

	for name, hash := range map[string]string{"bcrypt": string(bcryptHash), "argon2id": argonHash} {
		t.Run(name, func(t *testing.T) {
			email := acctest.RandomEmail()
			var id string
			config := passwordConfig(email, fmt.Sprintf("hashed_password = %q", hash))
			// Kratos is configured for bcrypt: it keeps a bcrypt hash of any
			// cost, and re-hashes any other format at the first login.
			rehashed := name != "bcrypt"
			expectAction := plancheck.ExpectEmptyPlan()
			if rehashed {
				expectAction = plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate)
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				CheckDestroy:             checkIdentitiesDestroyed,
				Steps: []resource.TestStep{
					{
						Config: config,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectSensitiveValue(passwordAddr, tfjsonpath.New("hashed_password")),
						},
						Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectLogin(email, password, &id)),
						// The login re-hashes an argon2id hash with bcrypt.
						ExpectNonEmptyPlan: rehashed,
					},
					{
						Config:             config,
						PlanOnly:           true,
						ExpectNonEmptyPlan: rehashed,
					},
					{
						// Apply sets the same hash again: the password still works.
						Config:             config,
						ConfigPlanChecks:   resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectAction}},
						Check:              expectLogin(email, password, &id),
						ExpectNonEmptyPlan: rehashed,
					},
				},
			})
		})
	}
}

// A password changed through the admin API shows in plan; apply sets the
// configured one again.
func TestAccIdentityPassword_drift(t *testing.T) {
	email, password, intruder := acctest.RandomEmail(), acctest.RandomPassword(), acctest.RandomPassword()
	var id string
	config := passwordConfig(email, fmt.Sprintf("password = %q", password))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: captureID(identityAddr, &id)},
			{
				PreConfig: func() {
					got := apiIdentity(t, id)
					_, _, err := acctest.Client().IdentityAPI.UpdateIdentity(context.Background(), id).UpdateIdentityBody(client.UpdateIdentityBody{
						SchemaId: got.SchemaId, Traits: got.Traits.(map[string]any), State: got.GetState(),
						MetadataPublic: got.MetadataPublic, MetadataAdmin: got.MetadataAdmin,
						Credentials: &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
							Config: &client.IdentityWithCredentialsPasswordConfig{Password: &intruder},
						}},
					}).Execute()
					if err != nil {
						t.Fatalf("changing the password through the API: %v", err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectLogin(email, password, &id),
					expectNoLogin(email, intruder, "the password set outside Terraform"),
				),
			},
			{Config: config, PlanOnly: true},
		},
	})
}

// expectPasswordHash checks whether identity *id has a password hash. A
// password Kratos v25.4.0 and later deleted leaves a credential without one
// (its identifiers stay).
func expectPasswordHash(id *string, want bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, _, err := acctest.Client().IdentityAPI.GetIdentity(context.Background(), *id).IncludeCredential([]string{"password"}).Execute()
		if err != nil {
			return err
		}
		cred := got.GetCredentials()["password"]
		hash, _ := cred.GetConfig()["hashed_password"].(string)
		if has := hash != ""; has != want {
			return fmt.Errorf("identity %s has a password hash: %v, want %v", *id, has, want)
		}
		return nil
	}
}

// Destroying the password of an identity that also logs in through OIDC:
// Kratos v25.4.0 and later delete the credential; v1.3.1 deletes no
// password, so it is replaced with a secret nobody holds. Either way the
// password stops working and the identity stays.
func TestAccIdentityPassword_destroyBesideOIDC(t *testing.T) {
	skipUnlessAcc(t)
	email, password, subject := acctest.RandomEmail(), acctest.RandomPassword(), "sub-"+acctest.RandomUsername()
	link := fmt.Sprintf(`
resource "ory_identity_oidc_credential" "test" {
  identity_id = ory_identity.test.id
  provider_id = %q
  subject     = %q
}`, acctest.OIDCProviderID, subject)
	deleted := kratosHas(t, ory.FeatureDeletePassword)
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: passwordConfig(email, fmt.Sprintf("password = %q", password)) + link,
				Check:  resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectLogin(email, password, &id)),
			},
			{
				Config: passwordIdentityConfig(email) + link,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionDestroy)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectNoLogin(email, password, "the destroyed password"),
					expectPasswordHash(&id, !deleted),
					expectSSO(subject, &id),
				),
			},
		},
	})
}

// Destroying the password leaves the identity, and the password stops working.
func TestAccIdentityPassword_destroy(t *testing.T) {
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: passwordConfig(email, fmt.Sprintf("password = %q", password)),
				Check:  resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectLogin(email, password, &id)),
			},
			{
				Config: passwordIdentityConfig(email),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionDestroy)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectNoLogin(email, password, "the destroyed password"),
					// The identity's only way to log in, which no Kratos
					// deletes: replaced with a secret nobody holds.
					expectPasswordHash(&id, true),
					func(*terraform.State) error {
						if got := apiIdentity(t, id); got.Id != id {
							return fmt.Errorf("identity %s is gone", id)
						}
						return nil
					},
				),
			},
		},
	})
}

// An identity deleted outside Terraform takes its password out of state
// without error; apply creates both again.
func TestAccIdentityPassword_identityDeleted(t *testing.T) {
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	var id string
	config := passwordConfig(email, fmt.Sprintf("password = %q", password))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: captureID(identityAddr, &id)},
			{
				PreConfig: func() {
					if _, err := acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), id).Execute(); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionCreate),
					},
				},
				Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectLogin(email, password, &id)),
			},
		},
	})
}

// A password imported by identity UUID is set by the next apply; in keep
// mode it is adopted as it is, and the next apply sets none.
func TestAccIdentityPassword_import(t *testing.T) {
	skipUnlessAcc(t)
	for _, mode := range []string{"restore", "keep"} {
		t.Run(mode, func(t *testing.T) {
			email, old, configured := acctest.RandomEmail(), acctest.RandomPassword(), acctest.RandomPassword()
			id := createIdentityWithPassword(t, email, old)
			config := fmt.Sprintf(`
resource "ory_identity_password" "test" {
  identity_id       = %q
  password          = %q
  on_change_outside = %q
}`, id, configured, mode)
			works, refused, what := configured, old, "the password from before the import"
			if mode == "keep" {
				works, refused, what = old, configured, "the configured password, which keep does not set on import"
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config:             config,
						ResourceName:       passwordAddr,
						ImportState:        true,
						ImportStateId:      id,
						ImportStatePersist: true,
						Check:              resource.TestCheckResourceAttr(passwordAddr, "identity_id", id),
					},
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate)},
						},
						Check: resource.ComposeTestCheckFunc(expectLogin(email, works, &id), expectNoLogin(email, refused, what)),
					},
					{Config: config, PlanOnly: true},
				},
			})
		})
	}
}

func TestAccIdentityPassword_invalidConfig(t *testing.T) {
	skipUnlessAcc(t)
	id := createIdentityViaAPI(t, "email", map[string]any{"email": acctest.RandomEmail()})
	cases := []struct{ name, attrs, err string }{
		{"empty password", `password = ""`, `password string length must be at least 1`},
		{"none of the three", ``, `Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[password_wo,password,hashed_password\]`},
		{"two of the three", `
  password        = "one"
  hashed_password = "$2a$04$abcdefghijklmnopqrstuu5Jv7hYJ7E8m8F1U3Kx4pM9vY2Ck2xGe"`, `Invalid Attribute Combination.*Exactly one of these attributes must be configured`},
		{"unknown hash format", `hashed_password = "plain-text-by-mistake"`, `Unknown Password Hash Format.*hashed_password must be a password hash in a format Ory imports`},
		{"not a uuid", `password = "x"` + "\n  identity_id = \"admin@example.com\"", `Invalid Identity ID.*got "admin@example.com"`},
		{"unknown mode", `password = "x"` + "\n  on_change_outside = \"ignore\"", `on_change_outside value must be one of: \["restore" "keep"\]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			identity := fmt.Sprintf("identity_id = %q", id)
			if strings.Contains(tc.attrs, "identity_id") {
				identity = ""
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("resource \"ory_identity_password\" \"test\" {\n  %s\n  %s\n}", identity, tc.attrs),
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
	t.Run("unknown identity", func(t *testing.T) {
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { acctest.PreCheck(t) },
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: `
resource "ory_identity_password" "test" {
  identity_id = "00000000-0000-4000-8000-000000000000"
  password    = "correct horse battery staple"
}`,
				PlanOnly:    true,
				ExpectError: wrapped(`Identity Not Found.*There is no identity 00000000-0000-4000-8000-000000000000`),
			}},
		})
	})
}

var fingerprintPattern = mustCompile(`^sha256:[0-9a-f]{64}$`)

// Moving the password to another identity replaces the resource: the new
// identity gets the password, the old one a secret nobody holds.
func TestAccIdentityPassword_replaceIdentity(t *testing.T) {
	first, second, password := acctest.RandomEmail(), acctest.RandomEmail(), acctest.RandomPassword()
	var firstID, secondID string
	config := func(target string) string {
		return fmt.Sprintf(`
resource "ory_identity" "first" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity" "second" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity_password" "test" {
  identity_id = ory_identity.%s.id
  password    = %q
}`, first, second, target, password)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config("first"),
				Check: resource.ComposeTestCheckFunc(
					captureID("ory_identity.first", &firstID),
					captureID("ory_identity.second", &secondID),
					expectLogin(first, password, &firstID),
				),
			},
			{
				Config: config("second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					expectLogin(second, password, &secondID),
					expectNoLogin(first, password, "the password of the identity it was moved away from"),
				),
			},
		},
	})
}

// Setting the password keeps the identity's other credentials: here an OIDC
// link, which Kratos would drop if the provider sent credentials it had not
// read back.
func TestAccIdentityPassword_keepsOtherCredentials(t *testing.T) {
	skipUnlessAcc(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	subject := "tf-acc-" + acctest.RandomUsername()
	got, _, err := acctest.Client().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(client.CreateIdentityBody{
		SchemaId: "email", Traits: map[string]any{"email": email},
		Credentials: &client.IdentityWithCredentials{Oidc: &client.IdentityWithCredentialsOidc{
			Config: &client.IdentityWithCredentialsOidcConfig{Providers: []client.IdentityWithCredentialsOidcConfigProvider{
				{Provider: "github", Subject: subject},
			}},
		}},
	}).Execute()
	if err != nil {
		t.Fatalf("creating an identity with an OIDC credential: %v", err)
	}
	id := got.Id
	t.Cleanup(func() { _, _ = acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), id).Execute() })

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity_password" "test" {
  identity_id = %q
  password    = %q
}`, id, password),
			Check: resource.ComposeTestCheckFunc(
				expectLogin(email, password, &id),
				func(*terraform.State) error {
					after, _, err := acctest.Client().IdentityAPI.GetIdentity(context.Background(), id).IncludeCredential([]string{"oidc"}).Execute()
					if err != nil {
						return err
					}
					oidc, ok := after.GetCredentials()["oidc"]
					if !ok || len(oidc.Identifiers) != 1 || oidc.Identifiers[0] != "github:"+subject {
						return fmt.Errorf("the OIDC credential after setting the password = %+v, want the github:%s link kept", oidc, subject)
					}
					return nil
				},
			),
		}},
	})
}

// An initial password (on_change_outside = "keep"): the person changes it in
// their settings, plan stays clean, apply changes nothing and their password
// keeps working; changing the configured password (or its version) sets it
// again, as asked.
func TestAccIdentityPassword_keep(t *testing.T) {
	cases := []struct {
		name   string
		checks []tfversion.TerraformVersionCheck
		attrs  func(password string, version int) string
	}{
		{
			name: "password",
			attrs: func(password string, _ int) string {
				return fmt.Sprintf("password = %q", password)
			},
		},
		{
			name:   "write-only",
			checks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			attrs: func(password string, version int) string {
				return fmt.Sprintf("password_wo = %q\n  password_wo_version = %d", password, version)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			email := acctest.RandomEmail()
			initial, chosen, reset := acctest.RandomPassword(), acctest.RandomPassword(), acctest.RandomPassword()
			config := func(password string, version int) string {
				return passwordConfig(email, tc.attrs(password, version)+"\n  on_change_outside = \"keep\"")
			}
			var id string
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   tc.checks,
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				CheckDestroy:             checkIdentitiesDestroyed,
				Steps: []resource.TestStep{
					{
						Config: config(initial, 1),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("on_change_outside"), knownvalue.StringExact("keep")),
						},
						Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), expectLogin(email, initial, &id)),
					},
					{
						PreConfig: func() { changeOwnPassword(t, email, initial, chosen) },
						Config:    config(initial, 1),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						Check: resource.ComposeTestCheckFunc(
							expectLogin(email, chosen, &id),
							expectNoLogin(email, initial, "the initial password the person changed"),
						),
					},
					{
						// Asked for in the configuration: the password is set.
						Config: config(reset, 2),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate)},
						},
						Check: resource.ComposeTestCheckFunc(
							expectLogin(email, reset, &id),
							expectNoLogin(email, chosen, "the password the person chose, before the reset"),
						),
					},
					{Config: config(reset, 2), PlanOnly: true},
				},
			})
		})
	}
}

// Switching an existing password to keep after a change outside Terraform
// keeps that change and sets nothing; switching back to restore sets nothing
// either, and only later changes are reverted.
func TestAccIdentityPassword_switchMode(t *testing.T) {
	email, password, chosen, later := acctest.RandomEmail(), acctest.RandomPassword(), acctest.RandomPassword(), acctest.RandomPassword()
	var id string
	config := func(mode string) string {
		return passwordConfig(email, fmt.Sprintf("password = %q\n  on_change_outside = %q", password, mode))
	}
	updateOnly := resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate)},
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{Config: config("restore"), Check: captureID(identityAddr, &id)},
			{
				// Restore mode: a change outside Terraform is planned away.
				PreConfig:          func() { changeOwnPassword(t, email, password, chosen) },
				Config:             config("restore"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:           config("keep"),
				ConfigPlanChecks: updateOnly,
				Check: resource.ComposeTestCheckFunc(
					expectLogin(email, chosen, &id),
					expectNoLogin(email, password, "the configured password"),
				),
			},
			{
				Config:           config("restore"),
				ConfigPlanChecks: updateOnly,
				Check:            expectLogin(email, chosen, &id),
			},
			{
				PreConfig: func() { changeOwnPassword(t, email, chosen, later) },
				Config:    config("restore"),
				Check: resource.ComposeTestCheckFunc(
					expectLogin(email, password, &id),
					expectNoLogin(email, later, "the password changed after the switch back to restore"),
				),
			},
		},
	})
}
