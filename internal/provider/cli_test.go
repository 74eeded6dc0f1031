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
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	cli := acctest.NewCLI(t)
	if !cli.AtLeast(t, 1, 11) {
		t.Skip("ephemeral resources need Terraform 1.10 or OpenTofu 1.11 and later")
	}
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
