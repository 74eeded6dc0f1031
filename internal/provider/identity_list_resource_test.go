package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// adoptees are identities created by hand through the admin API, in every
// shape the harness's schemas allow, for the adoption tests.
type adoptees struct {
	ada, bob, grace, linus, record, contacts string
	adaPassword                              string
}

// seedAdoptees creates them in k, which must be a Kratos of the test's own:
// the tests count what is listed.
func seedAdoptees(t *testing.T, k *acctest.Kratos) adoptees {
	t.Helper()
	api := k.Client().IdentityAPI
	create := func(body client.CreateIdentityBody) string {
		t.Helper()
		got, _, err := api.CreateIdentity(context.Background()).CreateIdentityBody(body).Execute()
		if err != nil {
			t.Fatalf("creating a %s identity through the API: %v", body.SchemaId, err)
		}
		return got.Id
	}
	verified := func(value, via string) []client.VerifiableIdentityAddress {
		return []client.VerifiableIdentityAddress{*client.NewVerifiableIdentityAddress("completed", value, true, via)}
	}
	inactive := "inactive"
	a := adoptees{adaPassword: acctest.RandomPassword()}
	a.ada = create(client.CreateIdentityBody{
		SchemaId: acctest.SchemaEmail, Traits: map[string]any{"email": "ada@example.com", "name": "Ada", "role": "admin"},
		VerifiableAddresses: verified("ada@example.com", "email"),
		MetadataPublic:      map[string]any{"team": "platform"},
		MetadataAdmin:       map[string]any{"employee_number": 1815, "tags": []any{"founder", "math"}},
		Credentials: &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
			Config: &client.IdentityWithCredentialsPasswordConfig{Password: &a.adaPassword},
		}},
	})
	a.bob = create(client.CreateIdentityBody{
		SchemaId: acctest.SchemaEmail, Traits: map[string]any{"email": "bob@example.com"}, State: &inactive,
	})
	a.grace = create(client.CreateIdentityBody{
		SchemaId: acctest.SchemaPhone, Traits: map[string]any{"phone": "+14155550123", "email": "grace@example.com"},
		VerifiableAddresses: verified("grace@example.com", "email"),
	})
	a.linus = create(client.CreateIdentityBody{SchemaId: acctest.SchemaUsername, Traits: map[string]any{"username": "linus"}})
	a.record = create(client.CreateIdentityBody{SchemaId: acctest.SchemaRecord, Traits: map[string]any{
		"name": "Record", "employee_number": 9007199254740993, "ratio": 0.1, "matrix": []any{[]any{1, 2.5}, []any{}},
	}})
	a.contacts = create(client.CreateIdentityBody{
		SchemaId: acctest.SchemaContacts, Traits: map[string]any{
			"emails": []any{"home@example.com", "work@example.com"}, "phone": "+14155550124", "username": "contacts",
			"name": map[string]any{"first": "Con", "last": "Tacts"},
		},
		VerifiableAddresses: verified("work@example.com", "email"),
	})
	return a
}

// The query files of examples/, as the guide shows them.
const (
	listExample  = "list-resources/ory_identity/list-resource.tfquery.hcl"
	guideFilters = "guides/adopting/employees.tfquery.hcl"
)

// terraform query finds identities by each filter, through every page,
// and returns each one's resource identity (and, asked, its data).
func TestAccIdentityList_filters(t *testing.T) {
	skipUnlessAcc(t)
	skipBelowQuery(t, acctest.NewCLI(t))
	k := acctest.StartForTest(t, acctest.StartOptions{})
	a := seedAdoptees(t, k)
	filters := strings.Replace(readExample(t, guideFilters), "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c", a.ada+`", "`+a.linus+`", "00000000-0000-4000-8000-000000000000`, 1)
	if filters == readExample(t, guideFilters) {
		t.Fatal("the guide's example no longer lists the example UUID; update this test")
	}
	id := func(v string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(v)}
	}
	query := func(name, config string) string {
		return fmt.Sprintf(`
list "ory_identity" %q {
  provider = ory
  config {
    %s
  }
}
`, name, config)
	}

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Query mode needs a configuration first; this one names the Kratos.
				Config: fmt.Sprintf(`
provider "ory" {
  url = %q
}

data "ory_identity_schemas" "all" {}
`, k.AdminURL),
			},
			{
				Query: true,
				Config: readExample(t, listExample) + filters +
					query("paged", "page_size = 2") +
					query("by_email_any_case", `identifier = "ADA@example.com"`) +
					query("by_phone", `identifier = "+14155550123"`) +
					query("by_schema", `schema_id = "email"`) +
					query("inactive", `state = "inactive"`) +
					query("identifier_and_ids", fmt.Sprintf("identifier = \"ada@example.com\"\n    ids = [%q]", a.linus)) +
					query("no_ids", "ids = []"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("ory_identity.all", 6),
					querycheck.ExpectLength("ory_identity.paged", 6),
					querycheck.ExpectIdentity("ory_identity.paged", id(a.contacts)),
					querycheck.ExpectResourceDisplayName("ory_identity.paged", queryfilter.ByResourceIdentity(id(a.grace)), knownvalue.StringExact("+14155550123")),
					querycheck.ExpectResourceKnownValues("ory_identity.all", queryfilter.ByResourceIdentity(id(a.ada)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("schema_id"), KnownValue: knownvalue.StringExact("email")},
						{Path: tfjsonpath.New("metadata_admin"), KnownValue: jsonEquals([]byte(`{"employee_number":1815,"tags":["founder","math"]}`))},
						{Path: tfjsonpath.New("verified_addresses"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("ada@example.com")})},
					}),
					querycheck.ExpectResourceKnownValues("ory_identity.all", queryfilter.ByResourceIdentity(id(a.record)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("traits"), KnownValue: jsonEquals([]byte(`{"name":"Record","employee_number":9007199254740993,"ratio":0.1,"matrix":[[1,2.5],[]]}`))},
					}),
					querycheck.ExpectLength("ory_identity.employees", 1),
					querycheck.ExpectIdentity("ory_identity.employees", id(a.ada)),
					querycheck.ExpectLength("ory_identity.admins", 2),
					querycheck.ExpectIdentity("ory_identity.admins", id(a.linus)),
					querycheck.ExpectLength("ory_identity.ada", 1),
					querycheck.ExpectIdentity("ory_identity.ada", id(a.ada)),
					querycheck.ExpectLength("ory_identity.by_email_any_case", 1),
					querycheck.ExpectLength("ory_identity.by_phone", 1),
					querycheck.ExpectIdentity("ory_identity.by_phone", id(a.grace)),
					querycheck.ExpectLength("ory_identity.by_schema", 2),
					querycheck.ExpectIdentity("ory_identity.by_schema", id(a.bob)),
					querycheck.ExpectLength("ory_identity.inactive", 1),
					querycheck.ExpectIdentity("ory_identity.inactive", id(a.bob)),
					querycheck.ExpectLength("ory_identity.identifier_and_ids", 0),
					querycheck.ExpectLength("ory_identity.no_ids", 0),
				},
			},
		},
	})
}

// The guide, end to end with the real CLI: identities created by hand are
// listed by terraform query, the generated configuration imports every one
// of them with no change, and the plan after it is empty. Imported
// identities keep their passwords.
func TestAccCLI_adoptWithQuery(t *testing.T) {
	skipUnlessAcc(t)
	cli := acctest.NewCLI(t)
	skipBelowQuery(t, cli)
	k := acctest.StartForTest(t, acctest.StartOptions{})
	a := seedAdoptees(t, k)
	example := readExample(t, listExample)
	// Two identities per page, to read every page.
	paged := strings.Replace(example, "include_resource = true\n", "include_resource = true\n\n  config {\n    page_size = 2\n  }\n", 1)
	if paged == example {
		t.Fatal("the list example no longer sets include_resource = true; update this test")
	}
	w := cli.Workdir(t, map[string]string{"main.tf": cliProviderBlock, "adopt.tfquery.hcl": paged})
	w.SetEnv("ORY_URL=" + k.AdminURL)

	w.MustRun(t, 0, "query", "-generate-config-out=generated.tf", "-no-color")
	b, err := os.ReadFile(filepath.Join(w.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	generated := string(b)
	t.Logf("generated.tf:\n%s", generated)
	for _, want := range []string{a.ada, a.bob, a.grace, a.linus, a.record, a.contacts} {
		if !regexp.MustCompile(`identity\s*=\s*\{\s*id\s*=\s*"` + want + `"`).MatchString(generated) {
			t.Errorf("generated.tf has no import block with identity id %s", want)
		}
	}
	if n := strings.Count(generated, "resource \"ory_identity\""); n != 6 {
		t.Errorf("generated.tf has %d ory_identity blocks, want 6", n)
	}

	apply := w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(apply.Stdout, "6 imported, 0 added, 0 changed, 0 destroyed") {
		t.Errorf("apply did not just import the 6 identities:\n%s", apply.Stdout)
	}
	w.MustRun(t, 0, "plan", "-detailed-exitcode", "-no-color")

	got, _, err := k.Client().IdentityAPI.GetIdentity(context.Background(), a.ada).IncludeCredential([]string{"password"}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.GetCredentials()["password"]; !ok {
		t.Error("the adopted identity lost its password credential")
	}
}

// skipBelowQuery skips, before any set-up, where the CLI has no query.
func skipBelowQuery(t *testing.T, cli *acctest.CLI) {
	t.Helper()
	if !cli.AtLeast(t, 1, 14) {
		t.Skip("terraform query needs Terraform 1.14 or later (OpenTofu 1.12 and Terraform 1.5 have no query command): version-gated, not run")
	}
}
