package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// readExample returns an example file of examples/, as the docs show it.
func readExample(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The ory_identity example, as README and docs show it, applies, does what it
// says, and plans nothing afterwards.
func TestAccExample_identity(t *testing.T) {
	config := readExample(t, "resources/ory_identity/resource.tf")
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeTestCheckFunc(
					captureID("ory_identity.admin", &id),
					func(*terraform.State) error {
						got := apiIdentity(t, id)
						if err := expectVerified(got, "admin@example.com"); err != nil {
							return err
						}
						if ids := credentialIdentifiers(t, id); len(ids) != 1 || ids[0] != "+14155552671" {
							return fmt.Errorf("login identifiers = %v, want the phone number", ids)
						}
						return nil
					},
				),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
