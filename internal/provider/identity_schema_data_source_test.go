package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// schemaSummary is what the schema data sources should say of a harness
// schema, each list in the order of its traits.
type schemaSummary struct {
	identifiers             []traitMethods
	verifiable, recoverable []traitVia
}

type traitMethods struct {
	trait   string
	methods []string
}

type traitVia struct{ trait, via string }

// harnessSchemaSummaries are written from internal/acctest/schemas/*.json.
var harnessSchemaSummaries = map[string]schemaSummary{
	acctest.SchemaContacts: {
		identifiers: []traitMethods{{"emails", []string{"password"}}, {"phone", []string{"code"}}, {"username", []string{"password", "webauthn"}}},
		verifiable:  []traitVia{{"emails", "email"}, {"phone", "sms"}},
		recoverable: []traitVia{{"emails", "email"}},
	},
	acctest.SchemaEmail: {
		identifiers: []traitMethods{{"email", []string{"password"}}},
		verifiable:  []traitVia{{"email", "email"}},
		recoverable: []traitVia{{"email", "email"}},
	},
	acctest.SchemaPhone: {
		identifiers: []traitMethods{{"phone", []string{"password"}}},
		verifiable:  []traitVia{{"email", "email"}, {"phone", "sms"}},
		recoverable: []traitVia{{"email", "email"}},
	},
	acctest.SchemaUsername: {
		identifiers: []traitMethods{{"username", []string{"password"}}},
	},
	acctest.SchemaRecord: {},
}

// checks returns the expected value of every attribute of schema id.
func (s schemaSummary) checks(t *testing.T, id string) map[string]knownvalue.Check {
	t.Helper()
	identifiers := []knownvalue.Check{}
	for _, i := range s.identifiers {
		methods := make([]knownvalue.Check, len(i.methods))
		for n, m := range i.methods {
			methods[n] = knownvalue.StringExact(m)
		}
		identifiers = append(identifiers, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"trait": knownvalue.StringExact(i.trait), "methods": knownvalue.ListExact(methods),
		}))
	}
	vias := func(tv []traitVia) knownvalue.Check {
		checks := []knownvalue.Check{}
		for _, v := range tv {
			checks = append(checks, knownvalue.ObjectExact(map[string]knownvalue.Check{
				"trait": knownvalue.StringExact(v.trait), "via": knownvalue.StringExact(v.via),
			}))
		}
		return knownvalue.ListExact(checks)
	}
	return map[string]knownvalue.Check{
		"id":              knownvalue.StringExact(id),
		"schema":          jsonEquals(harnessSchemaFile(t, id)),
		"identifiers":     knownvalue.ListExact(identifiers),
		"verifiable":      vias(s.verifiable),
		"recoverable":     vias(s.recoverable),
		"checked_at_plan": knownvalue.Bool(true),
	}
}

// harnessSchemaFile returns the file the test Kratos serves schema id from.
func harnessSchemaFile(t *testing.T, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "acctest", "schemas", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every harness schema: its summary exactly, and the schema document as in
// its file, which jsondecode() reads.
func TestAccIdentitySchemaDataSource_harnessSchemas(t *testing.T) {
	var cfg strings.Builder
	var checks []statecheck.StateCheck
	for _, id := range acctest.BuiltinSchemas {
		fmt.Fprintf(&cfg, `
data "ory_identity_schema" %[1]q {
  id = %[1]q
}

output "%[1]s_id" {
  value = jsondecode(data.ory_identity_schema.%[1]s.schema)["$id"]
}

output "%[1]s_title" {
  value = jsondecode(data.ory_identity_schema.%[1]s.schema).title
}
`, id)
		summary, ok := harnessSchemaSummaries[id]
		if !ok {
			t.Fatalf("harness schema %q has no summary in harnessSchemaSummaries: add it", id)
		}
		for attr, check := range summary.checks(t, id) {
			checks = append(checks, statecheck.ExpectKnownValue("data.ory_identity_schema."+id, tfjsonpath.New(attr), check))
		}
		var file struct {
			ID    string `json:"$id"`
			Title string `json:"title"`
		}
		if err := json.Unmarshal(harnessSchemaFile(t, id), &file); err != nil {
			t.Fatal(err)
		}
		checks = append(checks,
			statecheck.ExpectKnownOutputValue(id+"_id", knownvalue.StringExact(file.ID)),
			statecheck.ExpectKnownOutputValue(id+"_title", knownvalue.StringExact(file.Title)),
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            cfg.String(),
			ConfigStateChecks: checks,
		}},
	})
}

// An id Ory does not have is an error on id that lists the ids it has; an
// empty id is refused at plan.
func TestAccIdentitySchemaDataSource_unknownID(t *testing.T) {
	cases := []struct{ name, id, err string }{
		{"unknown", "tf-acc-no-such-schema", `Identity Schema Not Found.*id = "tf-acc-no-such-schema".*` +
			`Ory has no identity schema "tf-acc-no-such-schema". The schemas it has: "contacts", "email", "phone", "record", "username". Use one of these ids`},
		{"differs in case", "Email", `Ory has no identity schema "Email". The schemas it has: "contacts", "email"`},
		{"empty", "", `id string length must be at least 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("data \"ory_identity_schema\" \"test\" {\n  id = %q\n}", tc.id),
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// The example, as the docs show it, applies and reads what it says; its
// precondition stops a schema whose email does not sign in.
func TestAccIdentitySchemaDataSource_examples(t *testing.T) {
	example := readExample(t, "data-sources/ory_identity_schema/data-source.tf")
	withUsername := strings.Replace(example, `id = "email"`, `id = "username"`, 1)
	if withUsername == example {
		t.Fatal(`the example no longer reads id = "email"; update this test`)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: example,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("verifiable_traits", knownvalue.MapExact(map[string]knownvalue.Check{"email": knownvalue.StringExact("email")})),
					statecheck.ExpectKnownOutputValue("title", knownvalue.StringExact("Account with an email address")),
					statecheck.ExpectKnownValue("ory_identity.auditor", tfjsonpath.New("schema_id"), knownvalue.StringExact("email")),
				},
			},
			{
				Config:      withUsername,
				ExpectError: wrapped(`Resource precondition failed.*Identity schema "username" does not make traits.email a password identifier`),
			},
		},
	})
}
