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

// Import blocks name an identity and its password by resource identity,
// with every CLI that supports it (Terraform and OpenTofu 1.12 and later):
// the identity imports with no change, the password is imported and set to
// the configured one, and the plan afterwards is empty. An identity that is
// not a UUID is refused with the way to import by login identifier.
func TestAccCLI_importByIdentity(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	cli := acctest.NewCLI(t)
	if !cli.AtLeast(t, 1, 12) {
		t.Skip("import blocks take identity = {...} from Terraform and OpenTofu 1.12 on: version-gated, not run")
	}
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	id := createIdentityWithPassword(t, email, password)
	config := cliProviderBlock + fmt.Sprintf(`
variable "password" {
  type      = string
  sensitive = true
}

resource "ory_identity" "admin" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity_password" "admin" {
  identity_id = ory_identity.admin.id
  password    = var.password
}
`, email)
	imports := func(identityID string) string {
		return fmt.Sprintf(`
import {
  to       = ory_identity.admin
  identity = { id = %q }
}

import {
  to       = ory_identity_password.admin
  identity = { identity_id = %q }
}
`, identityID, id)
	}

	bad := cli.Workdir(t, map[string]string{"main.tf": config, "imports.tf": imports(email)})
	bad.SetEnv("TF_VAR_password=" + password)
	res := bad.MustRun(t, 1, "plan", "-no-color")
	if !strings.Contains(res.Stderr, "Invalid Import Identity") || !strings.Contains(res.Stderr, "id = \""+email+"\"") {
		t.Errorf("a login identifier as identity.id is not refused with the way to import it:\n%s", res.Stderr)
	}

	w := cli.Workdir(t, map[string]string{"main.tf": config, "imports.tf": imports(id)})
	w.SetEnv("TF_VAR_password=" + password)
	apply := w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(apply.Stdout, "2 imported, 0 added, 1 changed, 0 destroyed") {
		t.Errorf("apply did not import both and set the password:\n%s", apply.Stdout)
	}
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
	if state := w.State(t); !strings.Contains(state, `"identity": {`) || !strings.Contains(state, `"identity_id": "`+id+`"`) {
		t.Errorf("the state records no resource identity:\n%s", state)
	}
}
