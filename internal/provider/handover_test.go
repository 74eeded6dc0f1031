package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// The hand-over from the official Ory provider (ory/ory), as its users do it:
// a state it wrote (the fixtures in testdata/official-provider, with the ids
// of identities created here through the API, as it created them), then
// `state replace-provider`, or a `moved` block. The next plan must be empty
// and nothing in Ory may change; the password, left out of our state, is
// adopted by an ory_identity_password and still logs in.

// officialProvider is the official provider's address in the fixtures.
const officialProvider = "registry.terraform.io/ory/ory"

// handoverPassword is the admin's password in the fixtures.
const handoverPassword = "an-example-password-1"

// handoverIdentities is the configuration of the fixtures' identities for
// this provider: the guide's example (the official one's, without
// `password`), the resource names ending in suffix, under the official
// provider's block, unchanged, which this provider accepts.
func handoverIdentities(t *testing.T, kratos *acctest.Kratos, suffix string) string {
	t.Helper()
	example := readExample(t, "guides/official-provider/main.tf")
	resources := example[strings.Index(example, "\nresource "):]
	resources = regexp.MustCompile(`(resource "ory_identity" "\w+)"`).ReplaceAllString(resources, `${1}`+suffix+`"`)
	return fmt.Sprintf(`
provider "ory" {
  project_api_key = "ory_pat_example"
  project_slug    = "127.0.0.1"
  project_api_url = "http://%%s:%s"
}
`, strings.TrimPrefix(kratos.AdminURL, "http://127.0.0.1:")) + resources
}

// adoptAdminPassword adopts the admin's password: imported, in keep mode,
// with a configured password other than the real one, so a login with the
// real one proves that nothing was reset.
func adoptAdminPassword(id, to string) string {
	return fmt.Sprintf(`
import {
  to = ory_identity_password.admin
  id = %[1]q
}

resource "ory_identity_password" "admin" {
  identity_id       = %[2]s.id
  password          = "not-the-password-in-ory-1"
  on_change_outside = "keep"
}
`, id, to)
}

// officialState returns a fixture with the ids of identities created in
// kratos as the fixture's were (same traits, state, metadata and password),
// and the address of ours on the CLI's registry.
func officialState(t *testing.T, kratos *acctest.Kratos, fixture string) (state string, ids map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(officialTestdata, fixture))
	if err != nil {
		t.Fatal(err)
	}
	state = string(b)
	ids = map[string]string{}
	for addr, raw := range officialInstances(t, fixture) {
		var a map[string]*string
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		body := client.CreateIdentityBody{SchemaId: *a["schema_id"], Traits: decodeExact(t, a["traits"]), State: a["state"]}
		if a["metadata_public"] != nil {
			body.MetadataPublic = decodeExact(t, a["metadata_public"])
		}
		if a["metadata_admin"] != nil {
			body.MetadataAdmin = decodeExact(t, a["metadata_admin"])
		}
		if addr == "admin" {
			// Both shapes: the newer one manages it write-only (password_wo_version "1").
			pw := handoverPassword
			body.Credentials = &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
				Config: &client.IdentityWithCredentialsPasswordConfig{Password: &pw},
			}}
		}
		got, _, err := kratos.Client().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(body).Execute()
		if err != nil {
			t.Fatalf("creating %s through the API: %v", addr, err)
		}
		t.Cleanup(func() { _, _ = kratos.Client().IdentityAPI.DeleteIdentity(context.Background(), got.Id).Execute() })
		state = strings.ReplaceAll(state, *a["id"], got.Id)
		ids[addr] = got.Id
	}
	return state, ids
}

// decodeExact decodes a JSON object keeping numbers exact, as client-go then
// sends them.
func decodeExact(t *testing.T, s *string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(*s))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// snapshots returns each identity as the admin API shows it, to tell that the
// hand-over changed nothing in Ory.
func snapshots(t *testing.T, kratos *acctest.Kratos, ids map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for addr, id := range ids {
		got, _, err := kratos.Client().IdentityAPI.GetIdentity(context.Background(), id).IncludeCredential([]string{"password"}).Execute()
		if err != nil {
			t.Fatalf("reading %s: %v", addr, err)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		out[addr] = string(b)
	}
	return out
}

// providerHost is the registry host under which the CLI knows this provider
// (dev_overrides without a host): registry.opentofu.org for OpenTofu.
func providerHost() string {
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		return h
	}
	return "registry.terraform.io"
}

// withRecordedSensitivity returns a state as CLIs that record sensitive
// attributes in the state file (unlike Terraform 1.5, which wrote the
// fixtures) write it for the official provider's ory_identity.
func withRecordedSensitivity(state string) string {
	return strings.ReplaceAll(state, `"sensitive_attributes": []`,
		`"sensitive_attributes": [[{"type":"get_attr","value":"metadata_admin"}],[{"type":"get_attr","value":"password"}]]`)
}

// attributeChange is a line of a plan that changes an attribute's value.
var attributeChange = regexp.MustCompile(`(?m)^\s+[-+~] \w+\s+= .*->`)

// checkSensitivityOnly: the plan updates changes identities and nothing else,
// and only to drop sensitivity marks, no value.
func checkSensitivityOnly(t *testing.T, plan acctest.Result, changes int) {
	t.Helper()
	if !strings.Contains(plan.Stdout, fmt.Sprintf("0 to add, %d to change, 0 to destroy", changes)) || attributeChange.MatchString(plan.Stdout) ||
		(changes > 0 && !strings.Contains(plan.Stdout, "will no longer be marked as sensitive")) {
		t.Errorf("the plan changes more than sensitivity marks:\n%s", plan.Stdout)
	}
}

// replace-provider then plan: empty for every identity, both shapes of the
// official provider's state, with every CLI. A state in which the CLI
// recorded the official provider's sensitive attributes plans, once, an
// update that only drops those marks (Terraform compares them, and no
// provider can change them): its apply sends nothing to Ory.
func TestAccHandover_replaceProvider(t *testing.T) {
	skipUnlessAcc(t)
	kratos := acctest.StartForTest(t, acctest.StartOptions{Schemas: map[string]string{"admin": filepath.Join(officialTestdata, "admin.schema.json")}})
	cli := acctest.NewCLI(t)
	for _, tc := range []struct {
		fixture            string
		recordedSensitives bool
	}{
		{fixture: "official-4fdc9ef.tfstate"},
		{fixture: "official-newer-shape.tfstate"},
		{fixture: "official-4fdc9ef.tfstate", recordedSensitives: true},
	} {
		t.Run(fmt.Sprintf("%s/recorded_sensitive=%v", tc.fixture, tc.recordedSensitives), func(t *testing.T) {
			state, ids := officialState(t, kratos, tc.fixture)
			if tc.recordedSensitives {
				state = withRecordedSensitivity(state)
			}
			perResourceKey := strings.Contains(state, `"project_api_key": null`)
			if perResourceKey {
				// The newer shape's key, set on one resource (the admin's).
				state = strings.Replace(state, `"project_api_key": null`, `"project_api_key": "ory_pat_per_resource"`, 1)
			}
			before := snapshots(t, kratos, ids)
			w := cli.Workdir(t, map[string]string{"main.tf": cliProviderBlock + handoverIdentities(t, kratos, ""), "terraform.tfstate": state})
			w.MustRun(t, 0, "state", "replace-provider", "-auto-approve", "-no-color", officialProvider, providerHost()+"/identity-as-code/ory")

			if tc.recordedSensitives {
				plan := w.MustRun(t, 2, "plan", "-detailed-exitcode", "-no-color")
				checkPasswordWarning(t, plan, ids["admin"])
				checkSensitivityOnly(t, plan, 4)
			} else {
				plan := w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
				checkPasswordWarning(t, plan, ids["admin"])
				out := plan.Stdout + plan.Stderr
				if perResourceKey != strings.Contains(out, "Per-Resource Project Not Taken Over") || strings.Contains(out, "ory_pat_per_resource") {
					t.Errorf("per-resource key in state: %v; the plan's warnings do not match (or show the key):\n%s", perResourceKey, out)
				}
			}
			w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
			if st := w.State(t); strings.Contains(st, handoverPassword) || strings.Contains(st, `"password_wo_version"`) {
				t.Error("the official provider's password attributes are still in the state after apply")
			}
			w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
			assertSnapshots(t, before, snapshots(t, kratos, ids))

			adoptPassword(t, w, kratos, ids["admin"], "ory_identity.admin")
		})
	}
}

// adoptPassword imports the admin's password in keep mode and logs in with
// the password it had under the official provider; the plan after is empty.
func adoptPassword(t *testing.T, w *acctest.Workdir, kratos *acctest.Kratos, id, to string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(w.Dir, "password.tf"), []byte(adoptAdminPassword(id, to)), 0o600); err != nil {
		t.Fatal(err)
	}
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
	token, err := kratos.Login(context.Background(), "admin@example.com", handoverPassword)
	if err != nil {
		t.Fatalf("logging in with the password kept in Ory: %v", acctest.Redact(err, handoverPassword))
	}
	if got, err := kratos.WhoAmI(context.Background(), token); err != nil || got != id {
		t.Fatalf("whoami: %q, %v; want %s", got, err, id)
	}
}

// checkPasswordWarning: the plan says, once for the admin only, that the
// password was left out of the state and how to adopt it, without showing it.
func checkPasswordWarning(t *testing.T, plan acctest.Result, adminID string) {
	t.Helper()
	out := plan.Stdout + plan.Stderr
	if strings.Contains(out, handoverPassword) {
		t.Fatal("the plan shows the official provider's password")
	}
	if !strings.Contains(out, "Password Left Out of State") || !strings.Contains(out, adminID) || !strings.Contains(out, "ory_identity_password") {
		t.Errorf("the plan does not warn that the password was left out of the state:\n%s", out)
	}
}

func assertSnapshots(t *testing.T, before, after map[string]string) {
	t.Helper()
	for addr := range before {
		if before[addr] != after[addr] {
			t.Errorf("identity %s changed in Ory during the hand-over:\nbefore %s\nafter  %s", addr, before[addr], after[addr])
		}
	}
}

// A moved block from the official provider's ory_identity, kept in the same
// configuration under another local name (Terraform 1.8 and later, and
// OpenTofu 1.12, call the target provider's MoveResourceState). The official provider is not
// available offline, so this provider's binary stands in for ory/ory (a
// second dev_overrides entry): a move passes the source's stored state as
// it lies, which the fixtures are, so the stand-in's own schema plays no part
// in what is moved.
func TestAccHandover_moved(t *testing.T) {
	skipUnlessAcc(t)
	cli := acctest.NewCLI(t)
	if !cli.AtLeast(t, 1, 8) {
		t.Skip("moved across providers needs Terraform 1.8 and later (OpenTofu 1.12 has it too); older CLIs hand over with state replace-provider, tested by TestAccHandover_replaceProvider")
	}
	dir, err := acctest.BuildProvider()
	if err != nil {
		t.Fatal(err)
	}
	cli.ConfigFile = filepath.Join(t.TempDir(), "terraformrc")
	overrides := strings.Replace(acctest.DevOverrides(dir), "dev_overrides {", fmt.Sprintf("dev_overrides {\n    \"ory/ory\" = %q", dir), 1)
	if err := os.WriteFile(cli.ConfigFile, []byte(overrides), 0o600); err != nil {
		t.Fatal(err)
	}
	kratos := acctest.StartForTest(t, acctest.StartOptions{Schemas: map[string]string{"admin": filepath.Join(officialTestdata, "admin.schema.json")}})
	state, ids := officialState(t, kratos, "official-newer-shape.tfstate")
	// As the CLI wrote it: OpenTofu installs ory/ory from its own registry.
	official := providerHost() + "/ory/ory"
	state = strings.ReplaceAll(state, officialProvider, official)
	// As CLIs that move across providers write it.
	state = withRecordedSensitivity(state)
	before := snapshots(t, kratos, ids)
	w := cli.Workdir(t, map[string]string{
		"main.tf": `
terraform {
  required_providers {
    ory        = { source = "identity-as-code/ory" }
    orynetwork = { source = "ory/ory" }
  }
}
` + handoverIdentities(t, kratos, "_account") + `
moved {
  from = ory_identity.admin
  to   = ory_identity.admin_account
}

moved {
  from = ory_identity.svc
  to   = ory_identity.svc_account
}

moved {
  from = ory_identity.inactive
  to   = ory_identity.inactive_account
}
`,
		"terraform.tfstate": state,
	})

	// Moves alone count as changes for -detailed-exitcode: 2. Terraform
	// leaves the source's recorded sensitivity behind; OpenTofu keeps it and
	// plans updates that only drop it.
	plan := w.MustRun(t, 2, "plan", "-detailed-exitcode", "-no-color")
	checkPasswordWarning(t, plan, ids["admin"])
	tofu := providerHost() == "registry.opentofu.org"
	checkSensitivityOnly(t, plan, map[bool]int{false: 0, true: 4}[tofu])
	for _, moved := range []string{"ory_identity.admin has moved to ory_identity.admin_account", "ory_identity.svc[1] has moved to ory_identity.svc_account[1]"} {
		if tofu {
			to, from, _ := strings.Cut(moved, " has moved to ")
			moved = fmt.Sprintf("%s will be updated in-place\n  # (moved from %s)", from, to)
		}
		if !strings.Contains(plan.Stdout, moved) {
			t.Errorf("the plan does not say %q:\n%s", moved, plan.Stdout)
		}
	}
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	st := w.State(t)
	if strings.Contains(st, official) {
		t.Errorf("the official provider still owns resources in the state:\n%s", st)
	}
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
	assertSnapshots(t, before, snapshots(t, kratos, ids))
	adoptPassword(t, w, kratos, ids["admin"], "ory_identity.admin_account")
}

// The guide's example, as a user applies it after replace-provider: the
// official provider's environment (ORY_PROJECT_SLUG, ORY_PROJECT_API_URL,
// ORY_PROJECT_API_KEY) instead of ORY_URL, the admin's password imported in
// keep mode. The plan changes no identity; the admin still logs in.
func TestAccExample_officialProviderHandover(t *testing.T) {
	skipUnlessAcc(t)
	cli := acctest.NewCLI(t)
	dir := "guides/official-provider"
	if !cli.AtLeast(t, 1, 11) {
		dir += "/" + olderCLIDir
	}
	files := exampleConfigs(t)[dir]
	kratos := acctest.StartForTest(t, acctest.StartOptions{Schemas: map[string]string{"admin": filepath.Join(officialTestdata, "admin.schema.json")}})
	state, ids := officialState(t, kratos, "official-4fdc9ef.tfstate")
	before := snapshots(t, kratos, ids)
	files["password.tf"] = strings.ReplaceAll(files["password.tf"], "a52f6e17-dc16-4092-a320-658bb7fcfcf9", ids["admin"])
	files["terraform.tfstate"] = state
	w := cli.Workdir(t, files)
	for _, kv := range []string{
		"ORY_URL=", "ORY_PROJECT_SLUG=127.0.0.1", "ORY_PROJECT_API_KEY=ory_pat_example",
		"ORY_PROJECT_API_URL=http://%s:" + strings.TrimPrefix(kratos.AdminURL, "http://127.0.0.1:"),
		"TF_VAR_admin_initial_password=not-the-password-in-ory-1",
	} {
		w.SetEnv(kv)
	}
	w.MustRun(t, 0, "state", "replace-provider", "-auto-approve", "-no-color", officialProvider, providerHost()+"/identity-as-code/ory")
	plan := w.MustRun(t, 2, "plan", "-detailed-exitcode", "-no-color")
	checkPasswordWarning(t, plan, ids["admin"])
	// The imported password's state takes the configured mode and version
	// in place (an import can not know them); no identity changes.
	if !strings.Contains(plan.Stdout, "1 to import, 0 to add, 1 to change, 0 to destroy") || !strings.Contains(plan.Stdout, "ory_identity_password.admin will be updated in-place") {
		t.Errorf("the plan does more than adopt the password:\n%s", plan.Stdout)
	}
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
	assertSnapshots(t, before, snapshots(t, kratos, ids))
	if _, err := kratos.Login(context.Background(), "admin@example.com", handoverPassword); err != nil {
		t.Fatalf("logging in with the password kept in Ory: %v", acctest.Redact(err, handoverPassword))
	}
}

// A state this provider wrote at schema version 0 (before version 1 told the
// official provider's states apart; the attributes were the same) upgrades
// unchanged: the plan is empty and no warning is shown.
func TestAccHandover_ownVersion0State(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	email := acctest.RandomEmail()
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + fmt.Sprintf(`
resource "ory_identity" "admin" {
  schema_id          = "email"
  traits             = jsonencode({ email = %q, role = "admin" })
  metadata_admin     = jsonencode({ n = 9007199254740993 })
  verified_addresses = [%q]
}
`, email, email)})
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")

	state := w.State(t)
	if strings.Count(state, `"schema_version": 1`) != 1 {
		t.Fatalf("the state does not hold one ory_identity at schema version 1:\n%s", state)
	}
	if err := os.WriteFile(filepath.Join(w.Dir, "terraform.tfstate"), []byte(strings.Replace(state, `"schema_version": 1`, `"schema_version": 0`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
	if strings.Contains(plan.Stdout+plan.Stderr, "Warning: Password") || strings.Contains(plan.Stdout+plan.Stderr, "Not Taken Over") {
		t.Errorf("our own state is warned about as the official provider's:\n%s", plan.Stdout+plan.Stderr)
	}
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(w.State(t), `"schema_version": 1`) {
		t.Error("the apply did not save the state at schema version 1")
	}
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")
}
