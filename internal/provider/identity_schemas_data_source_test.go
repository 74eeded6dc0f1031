package provider_test

import (
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// The list holds every harness schema, sorted by id, each as the single
// data source describes it.
func TestAccIdentitySchemasDataSource_all(t *testing.T) {
	ids := slices.Sorted(slices.Values(acctest.BuiltinSchemas))
	items := make([]knownvalue.Check, len(ids))
	for i, id := range ids {
		items[i] = knownvalue.ObjectExact(harnessSchemaSummaries[id].checks(t, id))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `data "ory_identity_schemas" "all" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ory_identity_schemas.all", tfjsonpath.New("schemas"), knownvalue.ListExact(items)),
			},
		}},
	})
}

// The example, as the docs show it, lists every schema and finds those that
// recover by email.
func TestAccIdentitySchemasDataSource_example(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: readExample(t, "data-sources/ory_identity_schemas/data-source.tf"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("schema_ids", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("contacts"), knownvalue.StringExact("email"), knownvalue.StringExact("phone"),
					knownvalue.StringExact("record"), knownvalue.StringExact("username"),
				})),
				statecheck.ExpectKnownOutputValue("recoverable_by_email", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("contacts"), knownvalue.StringExact("email"), knownvalue.StringExact("phone"),
				})),
			},
		}},
	})
}
