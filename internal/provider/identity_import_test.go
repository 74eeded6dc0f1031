package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// An identity created by hand through the admin API (as the seed
// conversation's user did with curl) is brought under management by its
// email, written in any case, with terraform import.
func TestAccIdentity_importByEmail(t *testing.T) {
	skipUnlessAcc(t) // the test creates an identity before resource.Test would skip
	email := acctest.RandomEmail()
	id := createIdentityViaAPI(t, "email", map[string]any{"email": email, "name": "Ada"})
	config := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q, name = "Ada" })
}`, email)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       identityAddr,
				ImportState:        true,
				ImportStateId:      strings.ToUpper(email),
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].ID != id {
						return fmt.Errorf("imported %d identities, want exactly %s", len(states), id)
					}
					return nil
				},
			},
			{
				// The configuration describes the identity: nothing to change.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
				},
			},
			{
				// Imported by email, the state is the one Terraform keeps.
				ResourceName:      identityAddr,
				ImportState:       true,
				ImportStateId:     email,
				ImportStateVerify: true,
			},
		},
	})
}

// The seed conversation's admin, who logs in with a phone number, imported
// with an import block: first as the test framework plans it, then applied
// as a user would, and the plan afterwards is empty.
func TestAccIdentity_importByPhoneBlock(t *testing.T) {
	skipUnlessAcc(t)
	phone, email := acctest.RandomPhone(), acctest.RandomEmail()
	id := createIdentityViaAPI(t, "phone", map[string]any{"phone": phone, "email": email, "role": "admin"})
	config := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "phone"
  traits    = jsonencode({ phone = %q, email = %q, role = "admin" })
}`, phone, email)
	importBlock := fmt.Sprintf(`
import {
  to = ory_identity.test
  id = %q
}`, phone)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				// The framework adds the import block and requires a no-op plan.
				Config:          config,
				ResourceName:    identityAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   phone,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					},
				},
			},
			{
				Config: config + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
				},
			},
		},
	})
}

// A login identifier that names no identity, or two, is an error that says
// what to do; nothing is imported.
func TestAccIdentity_importByIdentifierErrors(t *testing.T) {
	skipUnlessAcc(t)
	unknown := acctest.RandomEmail()
	shared, ids := sharedIdentifier(t)
	config := `
resource "ory_identity" "test" {
  schema_id = "username"
  traits    = jsonencode({ username = "someone" })
}`
	cases := []struct {
		name, importID, err string
		kind                resource.ImportStateKind
	}{
		{"unknown email", unknown, `Unable to Import Identity.*No identity uses the login identifier "` + regexp.QuoteMeta(unknown) + `".*use the identity's UUID`, resource.ImportCommandWithID},
		{"unknown email in an import block", unknown, `Unable to Import Identity.*No identity uses the login identifier "` + regexp.QuoteMeta(unknown) + `"`, resource.ImportBlockWithID},
		{"identifier of two identities", shared, `Unable to Import Identity.*2 identities use the login identifier "` + regexp.QuoteMeta(shared) + `": ` + ids[0] + `, ` + ids[1], resource.ImportCommandWithID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:          config,
					ResourceName:    identityAddr,
					ImportState:     true,
					ImportStateKind: tc.kind,
					ImportStateId:   tc.importID,
					ExpectError:     wrapped(tc.err),
				}},
			})
		})
	}
}
