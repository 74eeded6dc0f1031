package provider_test

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"golang.org/x/crypto/bcrypt"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// examplesDir is examples/, relative to this package.
var examplesDir = filepath.Join("..", "..", "examples")

// readExample returns an example file of examples/, as the docs show it.
func readExample(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exampleConfigs returns every directory under examples/ that holds .tf
// files (relative, slash-separated) with those files: each is one
// configuration, as a user would copy it.
func exampleConfigs(t *testing.T) map[string]map[string]string {
	t.Helper()
	configs := map[string]map[string]string{}
	err := filepath.WalkDir(examplesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".tf" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(examplesDir, filepath.Dir(p))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if configs[rel] == nil {
			configs[rel] = map[string]string{}
		}
		configs[rel][d.Name()] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) == 0 {
		t.Fatalf("no examples found in %s", examplesDir)
	}
	// A terraform-before-1.11 directory holds the files to use instead of
	// their namesakes in the directory above, with an older CLI.
	for dir, files := range configs {
		if path.Base(dir) != olderCLIDir {
			continue
		}
		merged := map[string]string{}
		for name, src := range configs[path.Dir(dir)] {
			merged[name] = src
		}
		for name, src := range files {
			merged[name] = src
		}
		configs[dir] = merged
	}
	// import-by-identity.tf is the other way to write import-by-string-id.tf:
	// two import blocks for one address are an error, so it is a
	// configuration of its own.
	alts := map[string]map[string]string{}
	for dir, files := range configs {
		byIdentity, ok := files[importByIdentity]
		if !ok {
			continue
		}
		delete(files, importByIdentity)
		alt := map[string]string{importByIdentity: byIdentity}
		for name, src := range files {
			if name != "import-by-string-id.tf" {
				alt[name] = src
			}
		}
		alts[dir+"/"+importByIdentity] = alt
	}
	maps.Copy(configs, alts)
	return configs
}

// importByIdentity is the example file that imports by resource identity,
// which CLIs from 1.12 on accept.
const importByIdentity = "import-by-identity.tf"

// olderCLIDir names the example directories for Terraform and OpenTofu
// before 1.11, which have no write-only arguments.
const olderCLIDir = "terraform-before-1.11"

// newerSyntax finds what only CLIs from 1.11 on accept: ephemeral blocks,
// ephemeral variables and write-only (_wo) arguments.
var newerSyntax = regexp.MustCompile(`(?m)^\s*(ephemeral\s+"|ephemeral\s*=\s*true\b|\w+_wo\s*=)`)

// Every example configuration under examples/ (what the docs show) passes
// terraform validate, with the real CLI and the provider built from this
// repository. Those using write-only arguments or ephemeral resources are
// validated by CLIs from 1.11 on only, imports by identity from 1.12 on.
func TestAccExample_validate(t *testing.T) {
	skipUnlessAcc(t)
	cli := acctest.NewCLI(t)
	newer := cli.AtLeast(t, 1, 11)
	identities := cli.AtLeast(t, 1, 12)
	configs := exampleConfigs(t)
	dirs := make([]string, 0, len(configs))
	for dir := range configs {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			files := configs[dir]
			all := ""
			for _, src := range files {
				all += src
			}
			if !newer && newerSyntax.MatchString(all) {
				t.Skip("uses write-only arguments or ephemeral blocks: validated by CLIs from 1.11 on")
			}
			if _, ok := files[importByIdentity]; ok && !identities {
				t.Skip("imports by resource identity: validated by CLIs from 1.12 on")
			}
			// Examples leave out the terraform block, as registry docs do;
			// a copy needs it to find this provider (and not hashicorp/ory).
			if !strings.Contains(all, "required_providers") {
				files["zz_required_providers.tf"] = cliProviderBlock
			}
			res := cli.Workdir(t, files).MustRun(t, 0, "validate", "-no-color")
			if !strings.Contains(res.Stdout, "The configuration is valid") {
				t.Errorf("validate did not say the configuration is valid:\n%s", res.Stdout)
			}
		})
	}
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

// The write-only ory_identity_password example applies: the bot logs in with
// the password from the ephemeral variable, which is in neither plan nor
// state; rotating as the docs say (new secret, bumped version) works.
func TestAccExample_identityPasswordWriteOnly(t *testing.T) {
	example := readExample(t, "resources/ory_identity_password/resource.tf")
	rotated := strings.Replace(example, "password_wo_version = 1", "password_wo_version = 2", 1)
	if rotated == example {
		t.Fatal("the example no longer sets password_wo_version = 1; update this test")
	}
	first, second := acctest.RandomPassword(), acctest.RandomPassword()
	const addr = "ory_identity.deploy_bot"
	var id string
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:            example,
				ConfigVariables:   config.Variables{"deploy_bot_password": config.StringVariable(first)},
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{planLacks(first)}},
				ConfigStateChecks: []statecheck.StateCheck{stateLacks(first)},
				Check:             resource.ComposeTestCheckFunc(captureID(addr, &id), expectLogin("deploy-bot", first, &id)),
			},
			{
				Config:          example,
				ConfigVariables: config.Variables{"deploy_bot_password": config.StringVariable(first)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config:          rotated,
				ConfigVariables: config.Variables{"deploy_bot_password": config.StringVariable(second)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ory_identity_password.deploy_bot", plancheck.ResourceActionUpdate),
						planLacks(second),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateLacks(second)},
				Check: resource.ComposeTestCheckFunc(
					expectLogin("deploy-bot", second, &id),
					expectNoLogin("deploy-bot", first, "the rotated-away password"),
				),
			},
		},
	})
}

// The example for CLIs before 1.11 (password, kept in state) applies with
// every CLI, and the bot logs in with it.
func TestAccExample_identityPasswordInState(t *testing.T) {
	example := readExample(t, "resources/ory_identity_password/terraform-before-1.11/resource.tf")
	password := acctest.RandomPassword()
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:          example,
				ConfigVariables: config.Variables{"deploy_bot_password": config.StringVariable(password)},
				Check:           resource.ComposeTestCheckFunc(captureID("ory_identity.deploy_bot", &id), expectLogin("deploy-bot", password, &id)),
			},
			{
				Config:          example,
				ConfigVariables: config.Variables{"deploy_bot_password": config.StringVariable(password)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The hashed_password example applies with a bcrypt hash: the user logs in
// with the password behind the hash, and nothing drifts.
func TestAccExample_identityPasswordHashed(t *testing.T) {
	example := readExample(t, "resources/ory_identity_password/hashed-password/resource.tf")
	password := acctest.RandomPassword()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 4)
	if err != nil {
		t.Fatal(err)
	}
	vars := config.Variables{"legacy_admin_password_hash": config.StringVariable(string(hash))}
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:          example,
				ConfigVariables: vars,
				Check: resource.ComposeTestCheckFunc(
					captureID("ory_identity.legacy_admin", &id),
					expectLogin("legacy-admin@example.com", password, &id),
				),
			},
			{
				Config:          example,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The ory_identity_second_factor_reset example applies: Alice, who enrolled
// an authenticator app, logs in with her password alone after the version
// is bumped as the example says; applying it unchanged resets nothing.
func TestAccExample_identitySecondFactorReset(t *testing.T) {
	example := readExample(t, "resources/ory_identity_second_factor_reset/resource.tf")
	bumped := strings.Replace(example, "version     = 1", "version     = 2", 1)
	if bumped == example {
		t.Fatal("the example no longer sets version = 1; update this test")
	}
	// Alice needs a password to log in and enrol.
	const withPassword = `
variable "alice_password" {
  type      = string
  sensitive = true
}

resource "ory_identity_password" "alice" {
  identity_id = ory_identity.alice.id
  password    = var.alice_password
}
`
	const email = "alice@example.com"
	password := acctest.RandomPassword()
	vars := config.Variables{"alice_password": config.StringVariable(password)}
	const addr = "ory_identity_second_factor_reset.alice"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:          example + withPassword,
				ConfigVariables: vars,
				Check:           expectSecondFactor(email, password, false),
			},
			{
				PreConfig:       func() { enrolTOTP(t, email, password) },
				Config:          example + withPassword,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectSecondFactor(email, password, true),
			},
			{
				Config:          bumped + withPassword,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: expectSecondFactor(email, password, false),
			},
		},
	})
}

// The ory_identity_oidc_credential example applies with the test provider in
// place of "google": the example's subject signs in by SSO and lands on the
// example's identity, and nothing drifts.
func TestAccExample_identityOIDCCredential(t *testing.T) {
	example := readExample(t, "resources/ory_identity_oidc_credential/resource.tf")
	test := strings.Replace(example, `provider_id = "google"`, fmt.Sprintf("provider_id = %q", acctest.OIDCProviderID), 1)
	if test == example {
		t.Fatal(`the example no longer sets provider_id = "google"; update this test`)
	}
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: test,
				Check: resource.ComposeTestCheckFunc(
					captureID("ory_identity.sso_admin", &id),
					expectSSO("109876543210987654321", &id),
				),
			},
			{
				Config: test,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// The initial-password example applies: Alice logs in with the initial
// password and chooses her own in her settings; plan stays clean, apply
// reverts nothing, and her password keeps working.
func TestAccExample_identityPasswordInitial(t *testing.T) {
	example := readExample(t, "resources/ory_identity_password/initial-password/resource.tf")
	const email = "alice@example.com"
	initial, chosen := acctest.RandomPassword(), acctest.RandomPassword()
	vars := config.Variables{"alice_initial_password": config.StringVariable(initial)}
	var id string
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:          example,
				ConfigVariables: vars,
				Check:           resource.ComposeTestCheckFunc(captureID("ory_identity.alice", &id), expectLogin(email, initial, &id)),
			},
			{
				PreConfig:       func() { changeOwnPassword(t, email, initial, chosen) },
				Config:          example,
				ConfigVariables: vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectLogin(email, chosen, &id),
			},
		},
	})
}

// schemaIDInExample finds the identity schema ids an example names: in
// schema_id, and in the id of data.ory_identity_schema.
var schemaIDInExample = regexp.MustCompile(`(?m)^\s*(?:schema_id|id)\s*=\s*"([a-z]+)"`)

// Every identity schema an example names is shipped in examples/schemas,
// as the schema the acceptance tests serve under that id, so that a user
// who adds it to Kratos or Ory Network applies the example as the tests do.
// The quickstart ships its own; the official-provider guide's example is a
// user's existing configuration, with the user's schema.
func TestExampleSchemas_shipped(t *testing.T) {
	t.Parallel()
	own := map[string]bool{"quickstart": true, "guides/official-provider": true}
	named := map[string][]string{}
	for dir, files := range exampleConfigs(t) {
		if own[strings.SplitN(dir, "/"+olderCLIDir, 2)[0]] {
			continue
		}
		for _, src := range files {
			for _, m := range schemaIDInExample.FindAllStringSubmatch(src, -1) {
				named[m[1]] = append(named[m[1]], dir)
			}
		}
	}
	if len(named) == 0 {
		t.Fatal("no example names an identity schema; update this test")
	}
	for id, dirs := range named {
		shipped, err := os.ReadFile(filepath.Join(examplesDir, "schemas", id+".schema.json"))
		if err != nil {
			t.Errorf("examples %v use the identity schema %q, which examples/schemas does not ship: %v", dirs, id, err)
			continue
		}
		served, err := os.ReadFile(filepath.Join("..", "acctest", "schemas", id+".json"))
		if err != nil {
			t.Errorf("the tests serve no identity schema %q: %v", id, err)
			continue
		}
		if string(shipped) != string(served) {
			t.Errorf("examples/schemas/%s.schema.json differs from the schema the tests serve (internal/acctest/schemas/%s.json)", id, id)
		}
	}
}
