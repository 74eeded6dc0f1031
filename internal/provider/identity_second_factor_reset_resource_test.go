package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

const secondFactorResetAddr = "ory_identity_second_factor_reset.test"

func secondFactorResetConfig(id, attrs string) string {
	return fmt.Sprintf(`
resource "ory_identity_second_factor_reset" "test" {
  identity_id = %q
  %s
}`, id, attrs)
}

// enrolTOTP does what the person does: log in with their password and add
// an authenticator app in their settings. From then on, a login with the
// password alone needs the second factor.
func enrolTOTP(t *testing.T, identifier, password string) {
	t.Helper()
	ctx := context.Background()
	token, err := acctest.Login(ctx, identifier, password)
	if err != nil {
		t.Fatalf("login to enrol TOTP: %v", err)
	}
	if _, err := acctest.EnrolTOTP(ctx, token); err != nil {
		t.Fatalf("enrolling TOTP: %v", err)
	}
	if err := expectSecondFactor(identifier, password, true)(nil); err != nil {
		t.Fatal(err)
	}
}

// expectSecondFactor logs in with the password and checks whether the
// session still needs a second factor.
func expectSecondFactor(identifier, password string, want bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := acctest.LoginNeedsSecondFactor(context.Background(), identifier, password)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("a login with the password alone needs a second factor: %v, want %v", got, want)
		}
		return nil
	}
}

func expectSecondFactors(values ...string) statecheck.StateCheck {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return statecheck.ExpectKnownValue(secondFactorResetAddr, tfjsonpath.New("second_factors"), knownvalue.SetExact(checks))
}

// A person who enrolled TOTP through their settings logs in with their
// password alone after the reset is applied. A later apply does not reset
// again (they enrol a new app in between), nor does a change of methods;
// bumping version does. Destroying the resource leaves the identity's
// second factors alone.
func TestAccIdentitySecondFactorReset_totp(t *testing.T) {
	skipUnlessAcc(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	id := createIdentityWithPassword(t, email, password)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// Destroy changes nothing in Ory: the TOTP enrolled in the last
		// step is still needed.
		CheckDestroy: expectSecondFactor(email, password, true),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { enrolTOTP(t, email, password) },
				Config:    secondFactorResetConfig(id, "version = 1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secondFactorResetAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(secondFactorResetAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(secondFactorResetAddr, tfjsonpath.New("methods"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("totp"), knownvalue.StringExact("lookup_secret"), knownvalue.StringExact("webauthn"),
					})),
					expectSecondFactors(),
				},
				Check: expectSecondFactor(email, password, false),
			},
			{
				// The person enrols a new app: the same configuration
				// plans nothing, and the app stays.
				PreConfig: func() { enrolTOTP(t, email, password) },
				Config:    secondFactorResetConfig(id, "version = 1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectSecondFactors("totp")},
				Check:             expectSecondFactor(email, password, true),
			},
			{
				// A new version resets again.
				Config: secondFactorResetConfig(id, "version = 2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secondFactorResetAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectSecondFactors()},
				Check:             expectSecondFactor(email, password, false),
			},
			{
				// Changing methods alone resets nothing.
				PreConfig: func() { enrolTOTP(t, email, password) },
				Config:    secondFactorResetConfig(id, `version = 2`+"\n"+`methods = ["lookup_secret"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secondFactorResetAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectSecondFactors("totp")},
				Check:             expectSecondFactor(email, password, true),
			},
			{
				// With methods that leave TOTP out, a new version keeps it.
				Config:            secondFactorResetConfig(id, `version = 3`+"\n"+`methods = ["lookup_secret"]`),
				ConfigStateChecks: []statecheck.StateCheck{expectSecondFactors("totp")},
				Check:             expectSecondFactor(email, password, true),
			},
			{
				ResourceName:  secondFactorResetAddr,
				ImportState:   true,
				ImportStateId: id,
				ExpectError:   regexp.MustCompile(`(?i)does not support import`),
			},
		},
	})
}

// An identity that does not exist is an error at plan time; an unknown
// method is refused by the schema.
func TestAccIdentitySecondFactorReset_invalidConfig(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      secondFactorResetConfig("5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Identity Not Found`),
			},
			{
				Config:      secondFactorResetConfig("5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c", `methods = ["password"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)value must be one of.*"totp"`),
			},
		},
	})
}
