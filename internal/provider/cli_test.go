package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// These tests run the CLI as a user does, against the provider binary built
// from this repository and installed through dev_overrides (as the README
// says), to check what terraform-plugin-testing can not show: exit codes,
// the plan's text and the state file on disk.

const cliProviderBlock = `
terraform {
  required_providers {
    ory = {
      source = "identity-as-code/ory"
    }
  }
}
`

// cliFrom1_11 is the CLI under test, for a test that needs 1.11 or later;
// older CLIs skip it, saying why.
func cliFrom1_11(t *testing.T, why string) *acctest.CLI {
	t.Helper()
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	cli := acctest.NewCLI(t)
	if !cli.AtLeast(t, 1, 11) {
		t.Skip(why)
	}
	return cli
}

// plan -detailed-exitcode exits 0 after a clean apply and 2 on drift, which
// is what pipelines alert on.
func TestAccCLI_detailedExitCode(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	email := acctest.RandomEmail()
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + fmt.Sprintf(`
resource "ory_identity" "admin" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, role = "admin" })
  verified_addresses = [%q]
}

output "id" {
  value = ory_identity.admin.id
}
`, email, email)})
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })

	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")

	id := strings.Trim(strings.TrimSpace(w.MustRun(t, 0, "output", "-raw", "id").Stdout), `"`)
	_, _, err := acctest.Client().IdentityAPI.PatchIdentity(context.Background(), id).JsonPatch([]client.JsonPatch{
		{Op: "replace", Path: "/traits/role", Value: "viewer"},
	}).Execute()
	if err != nil {
		t.Fatalf("changing the identity through the API: %v", err)
	}
	res := w.MustRun(t, 2, "plan", "-detailed-exitcode", "-no-color")
	if !strings.Contains(res.Stdout, "ory_identity.admin will be updated in-place") || !strings.Contains(res.Stdout, `"viewer"`) {
		t.Errorf("the drift plan does not show the change:\n%s", res.Stdout)
	}
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
}

// The sensitive password is masked in plan output (and, as documented, kept
// in state); the write-only password is in neither plan output nor state.
func TestAccCLI_passwordNotShown(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	cli := acctest.NewCLI(t)
	identity := func(email string) string {
		return cliProviderBlock + fmt.Sprintf(`
resource "ory_identity" "admin" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}
`, email)
	}

	t.Run("sensitive", func(t *testing.T) {
		password := acctest.RandomPassword()
		// A variable, as in real use: a literal would be shown by the CLI
		// itself in any diagnostic that points at its line.
		w := cli.Workdir(t, map[string]string{"main.tf": identity(acctest.RandomEmail()) + `
variable "admin_password" {
  type      = string
  sensitive = true
}

resource "ory_identity_password" "admin" {
  identity_id = ory_identity.admin.id
  password    = var.admin_password
}
`})
		w.SetEnv("TF_VAR_admin_password=" + password)
		t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })
		plan := w.MustRun(t, 0, "plan", "-no-color")
		if strings.Contains(plan.Stdout+plan.Stderr, password) {
			t.Fatal("plan output shows the sensitive password")
		}
		if !strings.Contains(plan.Stdout, "password               = (sensitive value)") {
			t.Errorf("plan output does not mask the password:\n%s", plan.Stdout)
		}
		apply := w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
		if strings.Contains(apply.Stdout+apply.Stderr, password) {
			t.Fatal("apply output shows the sensitive password")
		}
		if !strings.Contains(w.State(t), password) {
			t.Error("the state holds no password: the docs say `password` is stored in state; update them or this test")
		}
	})

	t.Run("write-only", func(t *testing.T) {
		if !cli.AtLeast(t, 1, 11) {
			t.Skip("write-only attributes need Terraform or OpenTofu 1.11 and later")
		}
		password := acctest.RandomPassword()
		w := cli.Workdir(t, map[string]string{"main.tf": identity(acctest.RandomEmail()) + `
variable "admin_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "ory_identity_password" "admin" {
  identity_id         = ory_identity.admin.id
  password_wo         = var.admin_password
  password_wo_version = 1
}
`})
		t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color", "-var", "admin_password="+password) })
		plan := w.MustRun(t, 0, "plan", "-no-color", "-out", "tfplan", "-var", "admin_password="+password)
		if strings.Contains(plan.Stdout+plan.Stderr, password) {
			t.Fatal("plan output shows the write-only password")
		}
		if !strings.Contains(plan.Stdout, "password_wo") {
			t.Errorf("plan output does not mention password_wo:\n%s", plan.Stdout)
		}
		show := w.MustRun(t, 0, "show", "-json", "tfplan")
		if strings.Contains(show.Stdout, password) {
			t.Fatal("the saved plan holds the write-only password")
		}
		w.MustRun(t, 0, "apply", "-auto-approve", "-no-color", "-var", "admin_password="+password)
		if strings.Contains(w.State(t), password) {
			t.Fatal("the state file holds the write-only password")
		}
	})
}

// The warning for a password the person changed comes once: at the plan and
// apply after the change, not after that apply recorded it. Plan stays
// clean throughout (exit code 0).
func TestAccCLI_passwordKeepWarnsOnce(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	email, initial, chosen := acctest.RandomEmail(), acctest.RandomPassword(), acctest.RandomPassword()
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + fmt.Sprintf(`
variable "initial_password" {
  type      = string
  sensitive = true
}

resource "ory_identity" "person" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity_password" "person" {
  identity_id       = ory_identity.person.id
  password          = var.initial_password
  on_change_outside = "keep"
}
`, email)})
	w.SetEnv("TF_VAR_initial_password=" + initial)
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	changeOwnPassword(t, email, initial, chosen)

	const warning = "Password Changed Outside Terraform"
	warned := func(r acctest.Result) bool { return strings.Contains(r.Stdout+r.Stderr, warning) }
	if r := w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color"); !warned(r) {
		t.Errorf("the plan after the change does not warn:\n%s", r.Stdout)
	}
	if r := w.MustRun(t, 0, "apply", "-auto-approve", "-no-color"); !warned(r) || !strings.Contains(r.Stdout, "0 changed") {
		t.Errorf("the apply after the change does not warn, or changes something:\n%s", r.Stdout)
	}
	if r := w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color"); warned(r) {
		t.Errorf("the plan after the apply warns again:\n%s%s", r.Stdout, r.Stderr)
	}
	if _, err := acctest.Login(context.Background(), email, chosen); err != nil {
		t.Errorf("the person's own password no longer works: %v", err)
	}
}

// The invite example mints exactly one code in each run that asks for the
// invitation (none at its plan phase, where the identity's id is unknown), and
// none on other plans and applies (counted in the provider's request log);
// the code delivered works, and so does a second invitation from a saved plan.
func TestAccCLI_inviteExampleOneOff(t *testing.T) {
	cli := cliFrom1_11(t, "ephemeral resources need Terraform 1.10 or OpenTofu 1.11 and later")
	example := readExample(t, "ephemeral-resources/ory_identity_recovery_code/ephemeral-resource.tf")
	test := strings.Replace(example, `"./deliver-invite.sh new-admin@example.com"`, `"sh deliver-invite.sh"`, 1)
	if test == example {
		t.Fatal("the example no longer runs ./deliver-invite.sh; update this test")
	}
	w := cli.Workdir(t, map[string]string{
		"main.tf":           cliProviderBlock + test,
		"deliver-invite.sh": "umask 077; printf '%s\\n%s\\n' \"$RECOVERY_LINK\" \"$RECOVERY_CODE\" > invite\n",
	})
	w.SetEnv("TF_LOG_PROVIDER=DEBUG")
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })
	minted := func(r acctest.Result) int { return strings.Count(r.Stderr, "/admin/recovery/code") }
	invite := func(apply ...string) {
		t.Helper()
		if r := w.MustRun(t, 0, apply...); minted(r) != 1 {
			t.Errorf("%q minted %d recovery codes, want 1", apply, minted(r))
		}
		password := acctest.RandomPassword()
		b, err := os.ReadFile(filepath.Join(w.Dir, "invite"))
		if err != nil {
			t.Fatalf("the example delivered nothing: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 {
			t.Fatalf("the delivery got %d lines, want the link and the code", len(lines))
		}
		if err := acctest.CompleteRecovery(context.Background(), lines[0], lines[1], password); err != nil {
			t.Fatalf("the delivered invitation does not work: %v", err)
		}
		if _, err := acctest.Login(context.Background(), "new-admin@example.com", password); err != nil {
			t.Errorf("the invited admin can not log in with the password they set: %v", err)
		}
	}

	if r := w.MustRun(t, 0, "apply", "-auto-approve", "-no-color"); minted(r) != 0 {
		t.Errorf("an apply without invite_new_admin minted %d recovery codes", minted(r))
	}
	invite("apply", "-auto-approve", "-no-color", "-var", "invite_new_admin=true")
	for _, cmd := range [][]string{{"plan", "-no-color"}, {"apply", "-auto-approve", "-no-color"}, {"plan", "-no-color"}} {
		if r := w.MustRun(t, 0, cmd...); minted(r) != 0 {
			t.Errorf("%s after the invitation minted %d recovery codes", cmd[0], minted(r))
		}
	}
	// Again, from a saved plan.
	if r := w.MustRun(t, 0, "plan", "-no-color", "-out=invite.tfplan", "-var", "invite_new_admin=true"); minted(r) != 0 {
		t.Errorf("a plan with invite_new_admin = true minted %d recovery codes", minted(r))
	}
	invite("apply", "-no-color", "invite.tfplan")
}

// metadata_admin is not sensitive: plan output shows it for review, and
// sensitive() in the configuration hides it, as the docs say.
func TestAccCLI_metadataAdminInPlan(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	shown, hidden := acctest.RandomUsername(), acctest.RandomUsername()
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + fmt.Sprintf(`
resource "ory_identity" "reviewed" {
  schema_id      = "email"
  traits         = jsonencode({ email = %q })
  metadata_admin = jsonencode({ ticket = %q })
}

resource "ory_identity" "hidden" {
  schema_id      = "email"
  traits         = jsonencode({ email = %q })
  metadata_admin = sensitive(jsonencode({ ticket = %q }))
}
`, acctest.RandomEmail(), shown, acctest.RandomEmail(), hidden)})
	r := w.MustRun(t, 0, "plan", "-no-color")
	if !strings.Contains(r.Stdout, shown) {
		t.Errorf("plan output does not show metadata_admin:\n%s", r.Stdout)
	}
	if strings.Contains(r.Stdout+r.Stderr, hidden) {
		t.Errorf("plan output shows a metadata_admin wrapped in sensitive():\n%s", r.Stdout)
	}
}

// A saved plan does not hold ephemeral values: applying it needs the
// write-only password's variable again (TF_VAR_ does), as the CI guide says,
// and the password given at apply (not the one at plan) is the one set.
func TestAccCLI_savedPlanWriteOnly(t *testing.T) {
	cli := cliFrom1_11(t, "write-only arguments need Terraform or OpenTofu 1.11 and later")
	example := readExample(t, "resources/ory_identity_password/resource.tf")
	w := cli.Workdir(t, map[string]string{"main.tf": cliProviderBlock + example})
	atPlan, atApply := acctest.RandomPassword(), acctest.RandomPassword()
	const name = "deploy_bot_password="
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color", "-var", name+atApply) })

	w.MustRun(t, 0, "plan", "-no-color", "-out=tfplan", "-var", name+atPlan)
	if r := w.MustRun(t, 1, "apply", "-no-color", "-input=false", "tfplan"); !strings.Contains(r.Stderr, "No value for required variable") {
		t.Errorf("applying the saved plan without the variable fails for another reason:\n%s", r.Stderr)
	}
	// From the environment, as a pipeline gives it.
	w.SetEnv("TF_VAR_" + name + atApply)
	w.MustRun(t, 0, "apply", "-no-color", "-input=false", "tfplan")
	if _, err := acctest.Login(context.Background(), "deploy-bot", atApply); err != nil {
		t.Errorf("the bot does not log in with the password given at apply: %v", err)
	}
	if _, err := acctest.Login(context.Background(), "deploy-bot", atPlan); err == nil {
		t.Error("the bot logs in with the password given at plan, not the one at apply")
	}
}

// What the CI guide calls expected noise leaves plan -detailed-exitcode at 0:
// an imported argon2id hash that Kratos re-hashed at the user's login, under
// on_change_outside = "keep", is a warning, and so is a failed check block.
func TestAccCLI_warningsKeepExitCode(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + fmt.Sprintf(`
resource "ory_identity" "migrated" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity_password" "migrated" {
  identity_id       = ory_identity.migrated.id
  hashed_password   = %q
  on_change_outside = "keep"
}

check "always_fails" {
  assert {
    condition     = ory_identity.migrated.state == "inactive"
    error_message = "The check block's assertion failed."
  }
}
`, email, argon2idHash(t, password))})
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	if _, err := acctest.Login(context.Background(), email, password); err != nil {
		t.Fatalf("the user can not log in with the imported hash's password: %v", err)
	}
	r := w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
	for _, warning := range []string{"Password Changed Outside Terraform", "The check block's assertion failed."} {
		if !strings.Contains(r.Stdout+r.Stderr, warning) {
			t.Errorf("the plan does not warn %q:\n%s%s", warning, r.Stdout, r.Stderr)
		}
	}
}

// TF_LOG=DEBUG with TF_LOG_PATH logs every API request, and neither the API
// key nor a password: the provider never logs headers or bodies.
func TestAccCLI_debugLogHoldsNoSecrets(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	key, password := "ory_pat_"+acctest.RandomHex(16), acctest.RandomPassword()
	example := readExample(t, "resources/ory_identity_password/terraform-before-1.11/resource.tf")
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + example})
	logFile := filepath.Join(t.TempDir(), "tf.log")
	// Kratos's admin API ignores the key; it is sent all the same.
	w.SetEnv("ORY_API_KEY=" + key)
	w.SetEnv("TF_VAR_deploy_bot_password=" + password)
	w.SetEnv("TF_LOG=DEBUG")
	w.SetEnv("TF_LOG_PATH=" + logFile)
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	w.MustRun(t, 0, "plan", "-no-color")
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("TF_LOG_PATH got no log: %v", err)
	}
	if !strings.Contains(string(b), "Ory API request") {
		t.Error("the debug log has no API request")
	}
	for name, secret := range map[string]string{"the API key": key, "the password": password} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the debug log holds %s", name)
		}
	}
}
