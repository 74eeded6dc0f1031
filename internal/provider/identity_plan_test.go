package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// A plan knows, from traits and schema, the addresses and login identifiers
// Ory will store: only id is known after apply. Apply leaves exactly what
// was planned (the framework fails the apply otherwise), and a change of
// one email plans which address goes and which appears.
func TestAccIdentity_exactPlan(t *testing.T) {
	u := acctest.RandomUsername()
	phone := acctest.RandomPhone() // +1415NXXXXXX
	typed := phone[:2] + " " + phone[2:5] + " " + phone[5:8] + " " + phone[8:]
	a, b, c := "A-"+u+"@Example.com", "b-"+u+"@example.com", "C-"+u+"@example.COM"
	config := func(emails ...string) string {
		return fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "contacts"
  traits             = jsonencode({ emails = [%s], phone = %q, username = "Admin-%s" })
  verified_addresses = [%q]
}`, quoteJoin(emails), typed, u, a)
	}
	verifiable := func(value, via string, verified bool) knownvalue.Check {
		status := "pending"
		if verified {
			status = "completed"
		}
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"value": knownvalue.StringExact(value), "via": knownvalue.StringExact(via),
			"verified": knownvalue.Bool(verified), "status": knownvalue.StringExact(status),
		})
	}
	recovery := func(value string) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{"value": knownvalue.StringExact(value), "via": knownvalue.StringExact("email")})
	}
	lower := strings.ToLower
	planned := func(second string) []plancheck.PlanCheck {
		return []plancheck.PlanCheck{
			plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("verifiable_addresses"), knownvalue.ListExact([]knownvalue.Check{
				verifiable(typed, "sms", false), verifiable(lower(a), "email", true), verifiable(lower(second), "email", false),
			})),
			plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("recovery_addresses"), knownvalue.ListExact([]knownvalue.Check{
				recovery(lower(a)), recovery(lower(second)),
			})),
			// Emails and the username lower-cased; the phone number, which
			// receives codes by SMS, in E.164.
			plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("identifiers"), knownvalue.SetExact([]knownvalue.Check{
				knownvalue.StringExact(lower(a)), knownvalue.StringExact(lower(second)), knownvalue.StringExact("admin-" + u), knownvalue.StringExact(phone),
			})),
			plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("verified_addresses"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(a)})),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config(a, b),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(planned(b),
					plancheck.ExpectUnknownValue(identityAddr, tfjsonpath.New("id")))},
			},
			{
				Config:           config(a, c),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(planned(c), plancheck.ExpectResourceAction(identityAddr, plancheck.ResourceActionUpdate))},
			},
			{
				Config:           config(a, c),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// The username was the only trait that logs in with a security
				// key: Kratos v1.3.1 keeps that old identifier, so the plan can
				// not know the identifiers, and apply shows the one kept.
				Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "contacts"
  traits             = jsonencode({ emails = [%q], phone = %q })
  verified_addresses = [%q]
}`, a, typed, a),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(identityAddr, tfjsonpath.New("identifiers")),
					plancheck.ExpectKnownValue(identityAddr, tfjsonpath.New("recovery_addresses"), knownvalue.ListExact([]knownvalue.Check{recovery(lower(a))})),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(identityAddr, tfjsonpath.New("identifiers"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact(lower(a)), knownvalue.StringExact("admin-" + u), knownvalue.StringExact(phone),
					})),
				},
			},
		},
	})
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// When identity schemas can not be read (Kratos's public URL unreachable
// from where plan runs), plan warns once and leaves the checks to Ory:
// addresses are known after apply, and what the schema refuses fails at
// apply, leaving nothing behind.
func TestAccIdentity_schemasUnreadable(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	proxy := acctest.StartFaultProxy(t, acctest.AdminURL(), 1, acctest.FaultRule{
		PathPrefix: "/schemas", Faults: []acctest.Fault{acctest.FaultUnavailable}, Rate: 1,
	})
	email, username := acctest.RandomEmail(), acctest.RandomUsername()
	w := acctest.NewCLI(t).Workdir(t, map[string]string{"main.tf": cliProviderBlock + fmt.Sprintf(`
provider "ory" {
  max_retries = 0
}

resource "ory_identity" "a" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity" "b" {
  schema_id = "email"
  traits    = jsonencode({ email = "b-%s" })
}
`, email, email)})
	w.SetEnv("ORY_URL=" + proxy.URL())
	t.Cleanup(func() { w.MustRun(t, 0, "destroy", "-auto-approve", "-no-color") })

	res := w.MustRun(t, 0, "plan", "-no-color")
	out := res.Stdout + res.Stderr
	if n := strings.Count(out, "Warning: Identity Schemas Not Checked at Plan"); n != 1 {
		t.Errorf("the plan warns %d times that schemas were not read, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "verifiable_addresses = (known after apply)") {
		t.Errorf("the plan shows addresses it could not derive:\n%s", out)
	}
	w.MustRun(t, 0, "apply", "-auto-approve", "-no-color")

	// Refused by Ory at apply, and undone.
	if err := os.WriteFile(filepath.Join(w.Dir, "bad.tf"), []byte(fmt.Sprintf(`
resource "ory_identity" "c" {
  schema_id          = "username"
  traits             = jsonencode({ username = %q })
  verified_addresses = [%q]
}
`, username, username)), 0o600); err != nil {
		t.Fatal(err)
	}
	res = w.MustRun(t, 1, "apply", "-auto-approve", "-no-color")
	if !wrapped(`verified_addresses lists "` + username + `".*Nothing was created`).MatchString(res.Stderr) {
		t.Errorf("the apply fails for another reason:\n%s", res.Stderr)
	}
	found, _, err := acctest.Client().IdentityAPI.ListIdentities(context.Background()).CredentialsIdentifier(username).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 {
		t.Errorf("the failed apply left identity %s behind", found[0].Id)
	}
	if err := os.Remove(filepath.Join(w.Dir, "bad.tf")); err != nil {
		t.Fatal(err)
	}
}
