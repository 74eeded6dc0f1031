package provider_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// More identities than Kratos's page of 250: the data source must follow
// the Link header to the last page. The filters (identifier, ids, schema_id,
// state, as the list resource has them) are checked on the same set.
func TestAccIdentitiesDataSource_allPages(t *testing.T) {
	skipUnlessAcc(t) // the test creates identities before resource.Test would skip
	const n = 260
	marker := strings.TrimPrefix(acctest.RandomUsername(), "tf-acc-")
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("tf-acc-%s-%03d@example.com", marker, i)
	}
	ids := createIdentitiesViaAPI(t, emails, marker)
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	idChecks := func(ids []string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ids))
		for i, id := range ids {
			checks[i] = knownvalue.StringExact(id)
		}
		return knownvalue.ListExact(checks)
	}
	// Three of them, out of order, and an id no identity has.
	some := []string{ids[200], ids[3], ids[100]}
	someSorted := append([]string(nil), some...)
	sort.Strings(someSorted)

	config := fmt.Sprintf(`
data "ory_identities" "all" {}

data "ory_identities" "by_ids" {
  ids = %s
}

data "ory_identities" "some" {
  ids = %s
}

data "ory_identities" "none" {
  ids = []
}

data "ory_identities" "by_identifier" {
  identifier = %q
}

data "ory_identities" "without_traits" {
  identifier     = %q
  include_traits = false
}

data "ory_identities" "both_filters" {
  identifier = %q
  ids        = [%q]
}

data "ory_identities" "both_filters_match" {
  identifier = %q
  ids        = [%q, %q]
}

data "ory_identities" "schema_and_state" {
  identifier = %q
  schema_id  = "email"
  state      = "active"
}

data "ory_identities" "other_state" {
  identifier = %q
  state      = "inactive"
}

data "ory_identities" "other_schema" {
  identifier = %q
  schema_id  = "username"
}

output "all_marked" {
  value = [for i in data.ory_identities.all.identities : i.id if lookup(jsondecode(i.traits), "name", "") == %q]
}

output "by_ids" {
  value = data.ory_identities.by_ids.identities[*].id
}

output "some" {
  value = data.ory_identities.some.identities[*].id
}
`, hclList(ids), hclList(append(some, "00000000-0000-4000-8000-000000000000")),
		strings.ToUpper(emails[7]), emails[7], emails[7], ids[8], emails[7], ids[8], strings.ToUpper(ids[7]), emails[9], emails[9], emails[9], marker)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("all_marked", idChecks(sorted)),
				statecheck.ExpectKnownOutputValue("by_ids", idChecks(sorted)),
				statecheck.ExpectKnownOutputValue("some", idChecks(someSorted)),
				statecheck.ExpectKnownValue("data.ory_identities.none", tfjsonpath.New("identities"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.ory_identities.both_filters", tfjsonpath.New("identities"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.ory_identities.without_traits", tfjsonpath.New("identities").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(ids[7])),
				statecheck.ExpectKnownValue("data.ory_identities.without_traits", tfjsonpath.New("identities").AtSliceIndex(0).AtMapKey("traits"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.ory_identities.both_filters_match", tfjsonpath.New("identities"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.ory_identities.schema_and_state", tfjsonpath.New("identities").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(ids[9])),
				statecheck.ExpectKnownValue("data.ory_identities.schema_and_state", tfjsonpath.New("identities"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.ory_identities.other_state", tfjsonpath.New("identities"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.ory_identities.other_schema", tfjsonpath.New("identities"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.ory_identities.both_filters_match", tfjsonpath.New("identities").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(ids[7])),
				statecheck.ExpectKnownValue("data.ory_identities.by_identifier", tfjsonpath.New("identities"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":        knownvalue.StringExact(ids[7]),
						"schema_id": knownvalue.StringExact("email"),
						"traits":    knownvalue.StringExact(fmt.Sprintf(`{"email":%q,"name":%q}`, emails[7], marker)),
						"state":     knownvalue.StringExact("active"),
						"verifiable_addresses": knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(map[string]knownvalue.Check{
								"value": knownvalue.StringExact(emails[7]), "via": knownvalue.StringExact("email"),
								"verified": knownvalue.Bool(false), "status": knownvalue.StringExact("pending"),
							}),
						}),
						"recovery_addresses": knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(map[string]knownvalue.Check{"value": knownvalue.StringExact(emails[7]), "via": knownvalue.StringExact("email")}),
						}),
					}),
				})),
			},
		}},
	})
}

// Filters are checked at plan time.
func TestAccIdentitiesDataSource_invalidFilters(t *testing.T) {
	cases := []struct{ name, attrs, err string }{
		{"id not a UUID", `ids = ["00000000-0000-4000-8000-000000000000", "admin@example.com"]`, `Invalid Identity ID.*must be an identity UUID.*got "admin@example.com"`},
		{"empty identifier", `identifier = ""`, `identifier string length must be at least 1`},
		{"unknown state", `state = "gone"`, `state value must be one of`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "data \"ory_identities\" \"test\" {\n" + tc.attrs + "\n}",
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// createIdentitiesViaAPI creates an email identity named name for each
// address, a few at a time, deletes them when the test ends and returns
// their ids in the order of emails.
func createIdentitiesViaAPI(t *testing.T, emails []string, name string) []string {
	t.Helper()
	const workers = 4
	ids := make([]string, len(emails))
	errs := make([]error, len(emails))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			api := acctest.Client().IdentityAPI
			for i := range next {
				got, _, err := api.CreateIdentity(context.Background()).CreateIdentityBody(client.CreateIdentityBody{
					SchemaId: "email",
					Traits:   map[string]any{"email": emails[i], "name": name},
				}).Execute()
				if err != nil {
					errs[i] = err
					continue
				}
				ids[i] = got.Id
			}
		})
	}
	for i := range emails {
		next <- i
	}
	close(next)
	wg.Wait()

	t.Cleanup(func() {
		del := make(chan string)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				api := acctest.Client().IdentityAPI
				for id := range del {
					_, _ = api.DeleteIdentity(context.Background(), id).Execute()
				}
			})
		}
		for _, id := range ids {
			if id != "" {
				del <- id
			}
		}
		close(del)
		wg.Wait()
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("creating identity %s through the API: %v", emails[i], err)
		}
	}
	return ids
}

func hclList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
