package provider_test

import (
	"context"
	"fmt"
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
