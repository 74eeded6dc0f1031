package provider_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// A refresh reads many identities and passwords at once; the provider
// coalesces those reads into list calls. A plan of 20 identities with
// passwords (40 resources to read) must make far fewer calls than 40.
func TestAccScale_refreshCoalescesReads(t *testing.T) {
	skipUnlessAcc(t)
	const pairs = 20
	domain := strings.Split(acctest.RandomEmail(), "@")[0] + ".example.com"
	proxy := acctest.StartFaultProxy(t, acctest.AdminURL(), rand.Uint64())
	config := fmt.Sprintf(`
provider "ory" {
  url = %[1]q
}

resource "ory_identity" "u" {
  count     = %[2]d
  schema_id = "email"
  traits    = jsonencode({ email = "scale-${count.index}@%[3]s" })
}

resource "ory_identity_password" "u" {
  count       = %[2]d
  identity_id = ory_identity.u[count.index].id
  password    = "scale-${count.index}-pw-%[3]s"
}`, proxy.URL(), pairs, domain)
	var before int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { before = proxy.Forwarded() },
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					calls := proxy.Forwarded() - before
					t.Logf("a plan-only step of %d identities with passwords made %d API calls", pairs, calls)
					if calls >= pairs {
						t.Errorf("a plan-only step of %d identities with passwords made %d API calls; with reads coalesced it needs well under %d", pairs, calls, pairs)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
