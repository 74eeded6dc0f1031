package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// externalIDConfig is an email identity with external_id (none when "").
func externalIDConfig(name, email, externalID string) string {
	ext := ""
	if externalID != "" {
		ext = fmt.Sprintf("\n  external_id = %q", externalID)
	}
	return fmt.Sprintf(`
resource "ory_identity" %q {
  schema_id = "email"
  traits    = jsonencode({ email = %q })%s
}
`, name, email, ext)
}

// expectExternalID checks through the admin API that external id ext
// names identity *id.
func expectExternalID(ext string, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c, err := ory.New(ory.Config{URL: acctest.AdminURL()})
		if err != nil {
			return err
		}
		got, err := c.FindByExternalID(context.Background(), ext)
		if err != nil {
			return fmt.Errorf("looking up external_id %q: %w", ext, err)
		}
		if got.ID != *id {
			return fmt.Errorf("external_id %q names identity %s, want %s", ext, got.ID, *id)
		}
		return nil
	}
}

// setExternalIDOutside changes identity id's external_id through the API.
func setExternalIDOutside(t *testing.T, id, ext string) {
	t.Helper()
	ctx := context.Background()
	c, err := ory.New(ory.Config{URL: acctest.AdminURL()})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := c.GetIdentity(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	in := ory.InputFromIdentity(cur)
	in.ExternalID = &ext
	if _, err := c.UpdateIdentity(ctx, id, in); err != nil {
		t.Fatal(err)
	}
}

// external_id on Kratos v25.4.0 and later: set, changed in place, drift
// restored, imported by external_id:<value>, a taken one named. On v1.3.1:
// an error at plan that names the release it needs.
func TestAccIdentity_externalID(t *testing.T) {
	skipUnlessAcc(t)
	email, otherEmail := acctest.RandomEmail(), acctest.RandomEmail()
	first, second := "hr-"+acctest.RandomUsername(), "hr-"+acctest.RandomUsername()
	if !kratosHas(t, ory.FeatureExternalID) {
		resource.ParallelTest(t, resource.TestCase{
			PreCheck:                 func() { acctest.PreCheck(t) },
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					Config:      externalIDConfig("test", email, first),
					PlanOnly:    true,
					ExpectError: wrapped(`Unsupported by This Ory Server.*external_id needs Ory Kratos v25.4.0 or later; this server runs`),
				},
				{
					Config:      `data "ory_identity" "by_external_id" { external_id = "` + first + `" }`,
					PlanOnly:    true,
					ExpectError: wrapped(`external_id needs Ory Kratos v25.4.0 or later; this server runs`),
				},
			},
		})
		return
	}
	var id string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: externalIDConfig("test", email, first),
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					resource.TestCheckResourceAttr(identityAddr, "external_id", first),
					expectExternalID(first, &id),
				),
			},
			{
				Config: externalIDConfig("test", email, second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(identityAddr, "id", &id),
					expectExternalID(second, &id),
				),
			},
			{
				// Changed outside Terraform: plan shows it, apply restores it.
				PreConfig: func() { setExternalIDOutside(t, id, first) },
				Config:    externalIDConfig("test", email, second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate)},
				},
				Check: expectExternalID(second, &id),
			},
			{
				ResourceName:      identityAddr,
				ImportState:       true,
				ImportStateId:     "external_id:" + second,
				ImportStateVerify: true,
			},
			{
				// The data source looks it up.
				Config: externalIDConfig("test", email, second) + `
data "ory_identity" "by_external_id" {
  external_id = ory_identity.test.external_id
}
`,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.ory_identity.by_external_id", "id", identityAddr, "id"),
					resource.TestCheckResourceAttrPair("data.ory_identity.by_external_id", "traits", identityAddr, "traits"),
				),
			},
			{
				// An external_id nobody has: the data source and import say so.
				Config:      externalIDConfig("test", email, second) + `data "ory_identity" "nobody" { external_id = "` + first + `" }`,
				ExpectError: wrapped(`Identity Not Found.*No identity has the external_id "` + first + `"`),
			},
			{
				ResourceName:  identityAddr,
				ImportState:   true,
				ImportStateId: "external_id:" + first,
				ExpectError:   wrapped(`Unable to Import Identity.*No identity has the external_id "` + first + `"`),
			},
			{
				// Another identity with the same external_id is named.
				Config:      externalIDConfig("test", email, second) + externalIDConfig("other", otherEmail, second),
				ExpectError: wrapped(`Another identity, [0-9a-f-]{36}, already has the external_id "` + second + `"`),
			},
			{
				// Unset, it is reported and kept.
				Config: externalIDConfig("test", email, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectExternalID(second, &id),
			},
		},
	})
}

// organizationIDConfig is an email identity in organization org.
func organizationIDConfig(email, org string) string {
	return fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id       = "email"
  traits          = jsonencode({ email = %q })
  organization_id = %q
}
`, email, org)
}

// organization_id on Kratos v25.4.0 and later: set at creation, and a
// change replaces the identity (Kratos's PUT ignores it); unset, it is
// kept. On v1.3.1: an error at plan that names the release it needs.
func TestAccIdentity_organizationID(t *testing.T) {
	skipUnlessAcc(t)
	email := acctest.RandomEmail()
	orgA, orgB := "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
	if !kratosHas(t, ory.FeatureOrganizationID) {
		resource.ParallelTest(t, resource.TestCase{
			PreCheck:                 func() { acctest.PreCheck(t) },
			ProtoV6ProviderFactories: protoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      organizationIDConfig(email, orgA),
				PlanOnly:    true,
				ExpectError: wrapped(`Unsupported by This Ory Server.*organization_id needs Ory Kratos v25.4.0 or later; this server runs`),
			}},
		})
		return
	}
	var id, replaced string
	inOrg := func(org string, id *string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got, _, err := acctest.Client().IdentityAPI.GetIdentity(context.Background(), *id).Execute()
			if err != nil {
				return err
			}
			if g := got.GetOrganizationId(); g != org {
				return fmt.Errorf("identity %s is in organization %q, want %q", *id, g, org)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: organizationIDConfig(email, orgA),
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					resource.TestCheckResourceAttr(identityAddr, "organization_id", orgA),
					inOrg(orgA, &id),
				),
			},
			{
				Config: organizationIDConfig(email, orgB),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &replaced),
					inOrg(orgB, &replaced),
				),
			},
			{
				Config: externalIDConfig("test", email, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
