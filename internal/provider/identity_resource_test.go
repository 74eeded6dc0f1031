package provider_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

const identityAddr = "ory_identity.test"

func TestAccIdentity_lifecycle(t *testing.T) {
	email := acctest.RandomEmail()
	var id string
	sameID := statecheck.CompareValue(compare.ValuesSame())

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q, name = "Ada" })
}`, email),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(identityAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("verified_addresses"), knownvalue.SetSizeExact(0)),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("metadata_public"), knownvalue.Null()),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("verifiable_addresses"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"value": knownvalue.StringExact(email), "via": knownvalue.StringExact("email"),
							"verified": knownvalue.Bool(false), "status": knownvalue.StringExact("pending"),
						}),
					})),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("recovery_addresses"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"value": knownvalue.StringExact(email), "via": knownvalue.StringExact("email")}),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					func(*terraform.State) error {
						got := apiIdentity(t, id)
						return expectTraits(got, map[string]any{"email": email, "name": "Ada"})
					},
				),
			},
			{
				// Everything that can change in place, changed at once.
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, name = "Ada Lovelace", role = "admin" })
  state              = "inactive"
  metadata_public    = jsonencode({ team = "platform" })
  metadata_admin     = jsonencode({ ticket = "OPS-1", level = 3 })
  verified_addresses = [%q]
}`, email, email),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(identityAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("state"), knownvalue.StringExact("inactive")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("verified_addresses"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(email)})),
				},
				Check: func(*terraform.State) error {
					got := apiIdentity(t, id)
					if err := expectTraits(got, map[string]any{"email": email, "name": "Ada Lovelace", "role": "admin"}); err != nil {
						return err
					}
					if got.GetState() != "inactive" {
						return fmt.Errorf("state in Kratos = %q, want inactive", got.GetState())
					}
					if got.MetadataAdmin["ticket"] != "OPS-1" || got.MetadataPublic["team"] != "platform" {
						return fmt.Errorf("metadata in Kratos = %v / %v", got.MetadataPublic, got.MetadataAdmin)
					}
					return expectVerified(got, email)
				},
			},
			{
				// Removing metadata and the verification list sends null metadata
				// and leaves verification as it is.
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q, name = "Ada Lovelace", role = "admin" })
}`, email),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(identityAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("metadata_admin"), knownvalue.Null()),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("state"), knownvalue.StringExact("active")),
				},
				Check: func(*terraform.State) error {
					got := apiIdentity(t, id)
					if got.MetadataAdmin != nil || got.MetadataPublic != nil {
						return fmt.Errorf("metadata in Kratos = %v / %v, want none", got.MetadataPublic, got.MetadataAdmin)
					}
					return expectVerified(got, email)
				},
			},
			{
				ResourceName:      identityAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:    identityAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

// The seed conversation's question: an admin identity with a phone number as
// login identifier and a verified email, in one apply, and verification
// that follows the list.
func TestAccIdentity_phoneIdentifierVerifiedEmail(t *testing.T) {
	phone, email := acctest.RandomPhone(), acctest.RandomEmail()
	var id string
	config := func(verified string) string {
		return fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "phone"
  traits             = jsonencode({ phone = %q, email = %q, role = "admin" })
  verified_addresses = %s
  metadata_public    = jsonencode({ role = "admin" })
}`, phone, email, verified)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config(fmt.Sprintf("[%q]", email)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("verified_addresses"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(email)})),
				},
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					func(*terraform.State) error {
						got := apiIdentity(t, id)
						if err := expectVerified(got, email); err != nil {
							return err
						}
						ids := credentialIdentifiers(t, id)
						if len(ids) != 1 || ids[0] != phone {
							return fmt.Errorf("password identifiers = %v, want the phone %s", ids, phone)
						}
						return nil
					},
				),
			},
			{
				Config: config(fmt.Sprintf("[%q, %q]", email, phone)),
				Check:  func(*terraform.State) error { return expectVerified(apiIdentity(t, id), email, phone) },
			},
			{
				// The list is authoritative: the phone is unverified again.
				Config: config(fmt.Sprintf("[%q]", email)),
				Check:  func(*terraform.State) error { return expectVerified(apiIdentity(t, id), email) },
			},
			{
				Config: config("[]"),
				Check:  func(*terraform.State) error { return expectVerified(apiIdentity(t, id)) },
			},
		},
	})
}

// Every change made outside Terraform shows in plan, and apply puts it back.
func TestAccIdentity_drift(t *testing.T) {
	email := acctest.RandomEmail()
	var id string
	config := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, name = "Grace" })
  metadata_public    = jsonencode({ role = "admin" })
  metadata_admin     = jsonencode({ owner = "platform" })
  verified_addresses = [%q]
}`, email, email)
	ctx := context.Background()
	api := func() client.IdentityAPI { return acctest.Client().IdentityAPI }
	patch := func(ops ...client.JsonPatch) func() {
		return func() {
			if _, _, err := api().PatchIdentity(ctx, id).JsonPatch(ops).Execute(); err != nil {
				t.Fatalf("changing the identity through the API: %v", err)
			}
		}
	}
	// driftStep: make the change, expect plan to show an update (the
	// -detailed-exitcode 2 case), apply it and check Kratos is back.
	driftStep := func(change func(), back func(*client.Identity) error) []resource.TestStep {
		return []resource.TestStep{
			{
				PreConfig:          change,
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error { return back(apiIdentity(t, id)) },
			},
		}
	}

	steps := []resource.TestStep{
		{Config: config, Check: captureID(identityAddr, &id)},
		// A clean apply plans nothing (-detailed-exitcode 0).
		{Config: config, PlanOnly: true},
	}
	steps = append(steps, driftStep(
		func() {
			patch(client.JsonPatch{Op: "replace", Path: "/traits/name", Value: "Mallory"})()
		},
		func(got *client.Identity) error {
			return expectTraits(got, map[string]any{"email": email, "name": "Grace"})
		},
	)...)
	steps = append(steps, driftStep(
		patch(client.JsonPatch{Op: "replace", Path: "/state", Value: "inactive"}),
		func(got *client.Identity) error {
			if got.GetState() != "active" {
				return fmt.Errorf("state = %q, want active", got.GetState())
			}
			return nil
		},
	)...)
	steps = append(steps, driftStep(
		patch(client.JsonPatch{Op: "replace", Path: "/metadata_admin", Value: map[string]any{"owner": "someone-else"}},
			client.JsonPatch{Op: "replace", Path: "/metadata_public", Value: map[string]any{"role": "viewer"}}),
		func(got *client.Identity) error {
			if got.MetadataAdmin["owner"] != "platform" || got.MetadataPublic["role"] != "admin" {
				return fmt.Errorf("metadata = %v / %v, want it restored", got.MetadataPublic, got.MetadataAdmin)
			}
			return nil
		},
	)...)
	steps = append(steps, driftStep(
		func() {
			got := apiIdentity(t, id)
			patch(client.JsonPatch{Op: "replace", Path: fmt.Sprintf("/verifiable_addresses/%d/verified", addressIndex(t, got, email)), Value: false},
				client.JsonPatch{Op: "replace", Path: fmt.Sprintf("/verifiable_addresses/%d/status", addressIndex(t, got, email)), Value: "pending"})()
		},
		func(got *client.Identity) error { return expectVerified(got, email) },
	)...)
	steps = append(steps,
		resource.TestStep{
			PreConfig: func() {
				if _, err := api().DeleteIdentity(ctx, id).Execute(); err != nil {
					t.Fatalf("deleting the identity through the API: %v", err)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionCreate)},
			},
			Check: func(s *terraform.State) error {
				newID := s.RootModule().Resources[identityAddr].Primary.ID
				if newID == id {
					return fmt.Errorf("expected a new identity, got the deleted id %s", id)
				}
				return expectVerified(apiIdentity(t, newID), email)
			},
		},
	)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps:                    steps,
	})
}

// JSON is compared by meaning: Kratos answers with its own key order and
// no white space, and neither shows as a diff; state keeps the user's text.
func TestAccIdentity_jsonFormatting(t *testing.T) {
	email := acctest.RandomEmail()
	traits := fmt.Sprintf("{\n    \"name\":   \"Linus\",\n  \"email\" : %q\n}\n", email)
	metadata := `{"b": [1, 2, {"y": true, "x": null}], "a": 1.5}`
	config := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id      = "email"
  traits         = <<-EOT
%sEOT
  metadata_admin = %q
}`, traits, metadata)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("traits"), knownvalue.StringExact(traits)),
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("metadata_admin"), knownvalue.StringExact(metadata)),
				},
			},
			{
				// Refresh reads Kratos's compact, sorted JSON: still no diff.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("traits"), knownvalue.StringExact(traits)),
				},
			},
			{
				ResourceName:            identityAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"traits", "metadata_admin"},
			},
		},
	})
}

// Bad input fails at plan time, naming the attribute.
func TestAccIdentity_invalidConfig(t *testing.T) {
	email := acctest.RandomEmail()
	cases := []struct {
		name, attrs string
		err         string
	}{
		{"traits not JSON", `traits = "{\"email\": "`, `Invalid JSON String Value.*traits`},
		{"traits not an object", `traits = jsonencode(["a"])`, `traits must be a JSON object.*got a JSON array`},
		{"metadata not an object", fmt.Sprintf(`
  traits = jsonencode({ email = %q })
  metadata_public = jsonencode("admin")`, email), `metadata_public must be a JSON object`},
		{"unknown state", fmt.Sprintf(`
  traits = jsonencode({ email = %q })
  state  = "blocked"`, email), `state.*value must be one of.*"active".*"inactive"`},
		{"verified address not in traits", fmt.Sprintf(`
  traits = jsonencode({ email = %q })
  verified_addresses = ["someone-else@example.com"]`, email), `verified_addresses lists "someone-else@example.com", but no trait holds`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("resource \"ory_identity\" \"test\" {\n  schema_id = \"email\"\n  %s\n}", tc.attrs),
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// What the identity schema refuses fails at plan, with the schema's reason
// and naming the attribute, before anything reaches Ory.
func TestAccIdentity_schemaErrorsAtPlan(t *testing.T) {
	skipUnlessAcc(t)
	username, email := acctest.RandomUsername(), acctest.RandomEmail()
	cases := []struct{ name, config, err string }{
		{
			name:   "unknown schema",
			config: fmt.Sprintf(`schema_id = "no-such-schema"`+"\n"+`traits = jsonencode({ email = %q })`, email),
			err:    `Unknown Identity Schema.*schema_id = "no-such-schema".*Ory has no identity schema "no-such-schema"; the schemas it has: "contacts", "email", "phone", "record", "username"`,
		},
		{
			name:   "email format",
			config: `schema_id = "email"` + "\n" + `traits = jsonencode({ email = "not-an-email" })`,
			err:    `Traits Do Not Match the Identity Schema.*with ory_identity.test.*traits.*traits.email: "not-an-email" is not valid "email"`,
		},
		{
			name:   "phone format",
			config: `schema_id = "phone"` + "\n" + `traits = jsonencode({ phone = "+1555" })`,
			err:    `traits.phone: "\+1555" is not valid "tel"`,
		},
		{
			name:   "missing required trait",
			config: `schema_id = "email"` + "\n" + `traits = jsonencode({ name = "Ken" })`,
			err:    `traits: missing properties: "email"`,
		},
		{
			name:   "trait name typo",
			config: fmt.Sprintf(`schema_id = "username"`+"\n"+`traits = jsonencode({ username = %q, emial = "x@example.com" })`, username),
			err:    `traits: additionalProperties "emial" not allowed`,
		},
		{
			name:   "address not verifiable by the schema",
			config: fmt.Sprintf(`schema_id = "username"`+"\n"+`traits = jsonencode({ username = %q })`+"\n"+`verified_addresses = [%q]`, username, username),
			err:    `Address Not Verifiable.*with ory_identity.test.*verified_addresses.*verified_addresses lists "` + username + `", which identity schema "username" does not make a verifiable address`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"ory_identity\" \"test\" {\n" + tc.config + "\n}",
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
	for _, v := range []string{username, email} {
		found, _, err := acctest.Client().IdentityAPI.ListIdentities(context.Background()).CredentialsIdentifier(v).Execute()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 0 {
			t.Errorf("a plan that failed created identity %s", found[0].Id)
		}
	}
}

// What only Kratos can judge fails at apply with Kratos's own reason, and
// leaves nothing behind.
func TestAccIdentity_apiErrors(t *testing.T) {
	skipUnlessAcc(t) // the test creates an identity before resource.Test would skip
	taken := acctest.RandomEmail()
	holder := createIdentityViaAPI(t, "email", map[string]any{"email": taken})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf("resource \"ory_identity\" \"test\" {\n"+`schema_id = "email"`+"\n"+`traits = jsonencode({ email = %q })`+"\n}", taken),
			ExpectError: wrapped(`Another identity, ` + holder + `, already uses the identifier "` + regexp.QuoteMeta(taken) + `".*terraform import`),
		}},
	})
}

// A verified address the new traits do not make verifiable is refused at
// update and the identity stays as it was.
func TestAccIdentity_updateNothingHalfApplied(t *testing.T) {
	email, other := acctest.RandomEmail(), acctest.RandomEmail()
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q, name = "Ken" })
}`, email),
				Check: captureID(identityAddr, &id),
			},
			{
				// name is not verifiable: the traits change must not land either.
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, name = %q })
  verified_addresses = [%q]
}`, email, other, other),
				// Refused at plan: nothing reaches Ory, and the identity stays as it was.
				ExpectError: wrapped(`Address Not Verifiable.*verified_addresses lists "` + regexp.QuoteMeta(other) + `"`),
			},
			{
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q, name = "Ken" })
}`, email),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					return expectTraits(apiIdentity(t, id), map[string]any{"email": email, "name": "Ken"})
				},
			},
		},
	})
}

func addressIndex(t *testing.T, got *client.Identity, value string) int {
	t.Helper()
	for i, a := range got.VerifiableAddresses {
		if a.Value == value {
			return i
		}
	}
	t.Fatalf("identity has no verifiable address %s", value)
	return -1
}

// Numbers beyond 2^53, long fractions, nested arrays and unicode go from the
// configuration to Kratos and back to the state exactly: the apply succeeds
// (no "inconsistent result"), Kratos holds the digits as written, the plan
// is clean and an import reads the same values.
func TestAccIdentity_exactJSON(t *testing.T) {
	name := acctest.RandomUsername()
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = %q
  traits = jsonencode({
    name            = %q
    employee_number = 12345678901234567890123
    ratio           = 0.1000000000000000055511151231257827
    matrix          = [[1, 2], [3.25, -9007199254740993]]
    note            = "Zoë 😀 \u00fc"
  })
  metadata_public = jsonencode({ account = 9007199254740993 })
  metadata_admin  = jsonencode({ big = -98765432109876543210, f = 1.5 })
}`, acctest.SchemaRecord, name),
				Check: resource.ComposeTestCheckFunc(
					captureID("ory_identity.test", &id),
					func(*terraform.State) error {
						body, err := rawIdentity(id)
						if err != nil {
							return err
						}
						for _, want := range []string{
							`"employee_number":12345678901234567890123`, `"ratio":0.1000000000000000055511151231257827`,
							`-9007199254740993`, `"account":9007199254740993`, `"big":-98765432109876543210`, `Zoë 😀 ü`,
						} {
							if !strings.Contains(strings.ReplaceAll(body, " ", ""), strings.ReplaceAll(want, " ", "")) {
								return fmt.Errorf("Kratos does not hold %s exactly: %s", want, body)
							}
						}
						return nil
					},
				),
			},
			{
				ResourceName:      "ory_identity.test",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

// rawIdentity is the identity's JSON as Kratos sends it, decoded by nobody.
func rawIdentity(id string) (string, error) {
	resp, err := http.Get(acctest.AdminURL() + "/admin/identities/" + id)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
