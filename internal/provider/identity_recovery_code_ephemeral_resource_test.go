package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

const (
	recoveryCodeType = "ory_identity_recovery_code"
	// echoAddr holds the ephemeral values in state, for the test only.
	echoAddr = "echo.test"
)

// Ephemeral resources need Terraform >= 1.10 and OpenTofu >= 1.11; the tests
// run on OpenTofu 1.12 and skip on Terraform 1.5.
var ephemeralVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}

// The echo provider copies its configuration (here the ephemeral values)
// into the state of echo.test, the only way a test can see them.
var protoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"ory":  protoV6ProviderFactories["ory"],
	"echo": echoprovider.NewProviderServer(),
}

// recoveryCode is what echo.test shows of the ephemeral resource.
type recoveryCode struct {
	link, code, expiresAt string
}

// captureRecovery reads the ephemeral values from echo.test.
func captureRecovery(rc *recoveryCode) resource.TestCheckFunc {
	get := func(attr string, dst *string) resource.TestCheckFunc {
		return resource.TestCheckResourceAttrWith(echoAddr, "data."+attr, func(v string) error {
			if v == "" {
				return fmt.Errorf("empty %s", attr)
			}
			*dst = v
			return nil
		})
	}
	return resource.ComposeTestCheckFunc(
		get("recovery_link", &rc.link),
		get("recovery_code", &rc.code),
		get("expires_at", &rc.expiresAt),
	)
}

// expectRecoveryShape checks the link, the code and that expires_at is
// about lifespan from now.
func expectRecoveryShape(rc *recoveryCode, lifespan time.Duration) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if !strings.Contains(rc.link, "/recovery?flow=") {
			return fmt.Errorf("recovery_link %q does not name a recovery flow", rc.link)
		}
		if !sixDigits.MatchString(rc.code) {
			return errors.New("recovery_code is not the 6-digit code Kratos issues")
		}
		at, err := time.Parse(time.RFC3339, rc.expiresAt)
		if err != nil {
			return fmt.Errorf("expires_at %q is not RFC 3339: %w", rc.expiresAt, err)
		}
		if left := time.Until(at); left < lifespan-2*time.Minute || left > lifespan+time.Minute {
			return fmt.Errorf("expires_at %s is %s from now, want about %s", rc.expiresAt, left.Round(time.Second), lifespan)
		}
		return nil
	}
}

var sixDigits = mustCompile(`^[0-9]{6}$`)

// expectRecovery completes the recovery flow as the invited user would,
// sets password and logs in with it.
func expectRecovery(rc *recoveryCode, identifier, password string, id *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if err := acctest.CompleteRecovery(context.Background(), rc.link, rc.code, password); err != nil {
			return fmt.Errorf("completing the recovery with the ephemeral code: %w", err)
		}
		return expectLogin(identifier, password, id)(s)
	}
}

// expectCodeUsedUp checks that a code works once.
func expectCodeUsedUp(rc *recoveryCode) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if err := acctest.CompleteRecovery(context.Background(), rc.link, rc.code, acctest.RandomPassword()); err == nil {
			return errors.New("a second recovery with the same code succeeded")
		}
		return nil
	}
}

// stateLacksRecovery fails when the state has an ory_identity_recovery_code
// object, or a recovery_code or recovery_link attribute, or rc's code or link
// anywhere but in echo.test, where a test puts them on purpose.
func stateLacksRecovery(rc *recoveryCode) statecheck.StateCheck { return ephemeralAbsent{rc: rc} }

// planLacksEphemeral fails when the plan changes an ory_identity_recovery_code
// object or has a recovery_code or recovery_link attribute. The plan-time code
// is a different one from the apply-time code the test sees, so the plan is
// checked by name, not by value.
func planLacksEphemeral() plancheck.PlanCheck { return ephemeralAbsent{} }

type ephemeralAbsent struct{ rc *recoveryCode }

func (e ephemeralAbsent) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = errors.New("no state")
		return
	}
	// Everything but echo.test: the root module (child modules included)
	// and the outputs.
	root := *req.State.Values.RootModule
	root.Resources = nil
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != echoAddr {
			root.Resources = append(root.Resources, r)
		}
	}
	b, err := json.Marshal([]any{root, req.State.Values.Outputs})
	if err != nil {
		resp.Error = err
		return
	}
	s := string(b)
	for _, name := range []string{`"type":"` + recoveryCodeType + `"`, `"recovery_code"`, `"recovery_link"`} {
		if strings.Contains(s, name) {
			resp.Error = fmt.Errorf("the state has %s outside %s", name, echoAddr)
			return
		}
	}
	if e.rc != nil && (e.rc.code == "" || strings.Contains(s, e.rc.code) || strings.Contains(s, e.rc.link)) {
		resp.Error = fmt.Errorf("the state holds the recovery code or link outside %s (or the test did not capture them)", echoAddr)
	}
}

func (e ephemeralAbsent) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	p := req.Plan
	for _, rc := range p.ResourceChanges {
		if rc.Type == recoveryCodeType {
			resp.Error = fmt.Errorf("the plan changes %s", rc.Address)
			return
		}
	}
	b, err := json.Marshal([]any{p.PlannedValues, p.ResourceChanges, p.ResourceDrift, p.PriorState, p.OutputChanges})
	if err != nil {
		resp.Error = err
		return
	}
	// The address itself may appear: a resource that used the values lists
	// it in depends_on.
	for _, name := range []string{`"recovery_code"`, `"recovery_link"`} {
		if strings.Contains(string(b), name) {
			resp.Error = fmt.Errorf("the plan has an attribute %s", name)
			return
		}
	}
}

// The invitation: a new identity without a password, a recovery code for
// it, and the invited admin completes the recovery through the public API
// and logs in with the password they chose. The code is in no state but
// the echo test resource, and works once.
func TestAccIdentityRecoveryCode_invite(t *testing.T) {
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	var id string
	var rc recoveryCode
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, name = "New Admin" })
  verified_addresses = [%q]
}

ephemeral "ory_identity_recovery_code" "test" {
  identity_id = ory_identity.test.id
  expires_in  = "15m"
}

provider "echo" {
  data = ephemeral.ory_identity_recovery_code.test
}

resource "echo" "test" {}
`, email, email),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{planLacksEphemeral()},
			},
			Check: resource.ComposeTestCheckFunc(
				captureID(identityAddr, &id),
				captureRecovery(&rc),
				resource.TestCheckResourceAttrPair(echoAddr, "data.identity_id", identityAddr, "id"),
				resource.TestCheckResourceAttr(echoAddr, "data.expires_in", "15m"),
				expectRecoveryShape(&rc, 15*time.Minute),
				expectNoLogin(email, password, "the password before the recovery"),
				expectRecovery(&rc, email, password, &id),
				expectCodeUsedUp(&rc),
			),
			ConfigStateChecks: []statecheck.StateCheck{stateLacksRecovery(&rc)},
		}},
	})
}

// Without expires_in the server's lifespan for codes applies (1h unless
// configured). The identity exists before the plan, so the code is opened
// at plan time too: the plan holds none of it.
func TestAccIdentityRecoveryCode_defaultLifespan(t *testing.T) {
	skipUnlessAcc(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	id := createIdentityViaAPI(t, "email", map[string]any{"email": email})
	var rc recoveryCode
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
ephemeral "ory_identity_recovery_code" "test" {
  identity_id = %q
}

provider "echo" {
  data = ephemeral.ory_identity_recovery_code.test
}

resource "echo" "test" {}
`, id),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{planLacksEphemeral()},
			},
			Check: resource.ComposeTestCheckFunc(
				captureRecovery(&rc),
				resource.TestCheckNoResourceAttr(echoAddr, "data.expires_in"),
				expectRecoveryShape(&rc, time.Hour),
				expectRecovery(&rc, email, password, &id),
			),
			ConfigStateChecks: []statecheck.StateCheck{stateLacksRecovery(&rc)},
		}},
	})
}

// The pattern of the example: a provisioner receives the link and code as
// environment variables and delivers them (here: to a file the test reads).
// The state, which the test sees in full, holds neither, and a later plan
// mints a new code but delivers nothing again.
func TestAccIdentityRecoveryCode_provisioner(t *testing.T) {
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	delivered := filepath.Join(t.TempDir(), "invite")
	var id string
	var rc recoveryCode
	config := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

ephemeral "ory_identity_recovery_code" "test" {
  identity_id = ory_identity.test.id
  expires_in  = "24h"
}

resource "terraform_data" "invite" {
  triggers_replace = ory_identity.test.id

  provisioner "local-exec" {
    command = "umask 077; printf '%%s\\n%%s\\n' \"$RECOVERY_LINK\" \"$RECOVERY_CODE\" > '%s'"
    environment = {
      RECOVERY_LINK = ephemeral.ory_identity_recovery_code.test.recovery_link
      RECOVERY_CODE = ephemeral.ory_identity_recovery_code.test.recovery_code
    }
  }
}
`, email, delivered)
	readDelivered := func(*terraform.State) error {
		b, err := os.ReadFile(delivered)
		if err != nil {
			return fmt.Errorf("the provisioner delivered nothing: %w", err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 {
			return fmt.Errorf("the provisioner delivered %d lines, want link and code", len(lines))
		}
		rc.link, rc.code = lines[0], lines[1]
		return nil
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{planLacksEphemeral()},
				},
				Check: resource.ComposeTestCheckFunc(
					captureID(identityAddr, &id),
					readDelivered,
					expectRecovery(&rc, email, password, &id),
				),
				ConfigStateChecks: []statecheck.StateCheck{stateLacksRecovery(&rc)},
			},
			{
				PreConfig: func() {
					if err := os.Remove(delivered); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), planLacksEphemeral()},
				},
				Check: func(*terraform.State) error {
					if _, err := os.Stat(delivered); err == nil {
						return errors.New("the invitation was delivered a second time")
					}
					return nil
				},
			},
		},
	})
}

// The example applies as far as a plan: valid for OpenTofu and the provider.
func TestAccIdentityRecoveryCode_example(t *testing.T) {
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:             readExample(t, "ephemeral-resources/ory_identity_recovery_code/ephemeral-resource.tf"),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

func TestAccIdentityRecoveryCode_invalidConfig(t *testing.T) {
	cases := []struct{ name, attrs, err string }{
		{"expires_in not a duration", `expires_in = "tomorrow"`, `Invalid Duration.*expires_in must be a duration greater than zero.*got "tomorrow"`},
		{"expires_in without unit", `expires_in = "60"`, `Invalid Duration.*got "60"`},
		{"expires_in negative", `expires_in = "-15m"`, `Invalid Duration.*got "-15m"`},
		{"expires_in zero", `expires_in = "0s"`, `Invalid Duration.*got "0s"`},
		{"identity_id not a uuid", `identity_id = "admin@example.com"`, `Invalid Identity ID.*got "admin@example.com"`},
		{"identity_id missing", ``, `Missing required argument.*"identity_id" is required`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			identity := `identity_id = "00000000-0000-4000-8000-000000000000"`
			if strings.Contains(tc.attrs, "identity_id") || tc.attrs == "" {
				identity = ""
			}
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   ephemeralVersionChecks,
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("ephemeral %q \"test\" {\n  %s\n  %s\n}\n", recoveryCodeType, identity, tc.attrs),
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

func TestAccIdentityRecoveryCode_unknownIdentity(t *testing.T) {
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
ephemeral "ory_identity_recovery_code" "test" {
  identity_id = "00000000-0000-4000-8000-000000000000"
}`,
			PlanOnly:    true,
			ExpectError: wrapped(`Identity Not Found.*There is no identity 00000000-0000-4000-8000-000000000000`),
		}},
	})
}

// OpenTofu opens ephemeral resources during plan and wants a known result,
// so a provider url known only at apply is an error that says so (managed
// resources plan fine with it).
func TestAccIdentityRecoveryCode_providerURLUnknown(t *testing.T) {
	skipUnlessAcc(t)
	id := createIdentityViaAPI(t, "email", map[string]any{"email": acctest.RandomEmail()})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersionChecks,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "first" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

provider "ory" {
  alias = "late"
  url   = "%s${substr(ory_identity.first.id, 0, 0)}"
}

ephemeral "ory_identity_recovery_code" "test" {
  provider    = ory.late
  identity_id = %q
}`, acctest.RandomEmail(), acctest.AdminURL(), id),
			ExpectError: wrapped(`Provider Not Configured.*Ephemeral resources are opened during plan as well`),
		}},
	})
}
