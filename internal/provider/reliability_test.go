package provider_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// The reliability tests apply a fleet of identities with passwords through a
// proxy that fails requests the way networks and gateways do, against a
// Kratos of their own (so that every identity in it is one of the fleet),
// and then check the guarantees: the apply converges, there are no orphans
// (identities in Kratos that no state holds) and no duplicates, every
// password logs in and plan is clean.

const fleetSize = 50

// fleetConfig is count identities with passwords behind url. version changes
// every trait and password, so that an apply with it updates the whole fleet.
func fleetConfig(url, domain string, version int) string {
	return fmt.Sprintf(`
provider "ory" {
  url         = %[1]q
  max_retries = 8
}

resource "ory_identity" "fleet" {
  count     = %[2]d
  schema_id = "email"
  traits = jsonencode({
    email = "fleet-${count.index}@%[3]s"
    name  = "Fleet member ${count.index} v%[4]d"
  })
  # Beyond 2^53: kept exact from the configuration to Kratos and back.
  metadata_admin = jsonencode({ employee_number = 1234567890123456789000 + count.index, version = %[4]d })
}

resource "ory_identity_password" "fleet" {
  count       = %[2]d
  identity_id = ory_identity.fleet[count.index].id
  password    = "fleet-${count.index}-v%[4]d-pw-%[3]s"
}
`, url, fleetSize, domain, version)
}

func fleetPassword(i, version int, domain string) string {
	return fmt.Sprintf("fleet-%d-v%d-pw-%s", i, version, domain)
}

// fleetChecks checks the guarantees against Kratos itself, not through the
// proxy: the state holds exactly the identities Kratos has, one per member,
// with the configured traits, and every password logs in.
func fleetChecks(t *testing.T, k *acctest.Kratos, domain string, version int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		inState := map[string]bool{}
		for _, rs := range s.RootModule().Resources {
			if rs.Type == "ory_identity" {
				inState[rs.Primary.ID] = true
			}
		}
		all, err := listAll(ctx, k)
		if err != nil {
			return err
		}
		var orphans []string
		byEmail := map[string][]string{}
		for _, i := range all {
			if !inState[i.id] {
				orphans = append(orphans, i.id+" ("+i.email+")")
			}
			byEmail[i.email] = append(byEmail[i.email], i.id)
		}
		var duplicates []string
		for email, ids := range byEmail {
			if len(ids) > 1 {
				duplicates = append(duplicates, fmt.Sprintf("%s: %v", email, ids))
			}
		}
		t.Logf("fleet v%d: %d identities in Kratos, %d in state, %d orphans, %d duplicates", version, len(all), len(inState), len(orphans), len(duplicates))
		switch {
		case len(orphans) > 0:
			return fmt.Errorf("%d orphans (in Kratos, in no state): %v", len(orphans), orphans)
		case len(duplicates) > 0:
			return fmt.Errorf("duplicates: %v", duplicates)
		case len(all) != fleetSize || len(inState) != fleetSize:
			return fmt.Errorf("%d identities in Kratos and %d in state, want %d each", len(all), len(inState), fleetSize)
		}
		for n := range fleetSize {
			if _, ok := byEmail[fmt.Sprintf("fleet-%d@%s", n, domain)]; !ok {
				return fmt.Errorf("no identity for fleet member %d", n)
			}
		}
		for i, name := range allNames(all) {
			if want := fmt.Sprintf(" v%d", version); !strings.HasSuffix(name, want) {
				return fmt.Errorf("identity %d has name %q, want the suffix %q", i, name, want)
			}
		}
		return loginAll(ctx, k, domain, version)
	}
}

type fleetMember struct{ id, email, name string }

// listAll lists every identity of k, page by page, through the admin API.
func listAll(ctx context.Context, k *acctest.Kratos) ([]fleetMember, error) {
	return listAllOf(ctx, k.Client())
}

func listAllOf(ctx context.Context, api *client.APIClient) ([]fleetMember, error) {
	var out []fleetMember
	token := ""
	for {
		req := api.IdentityAPI.ListIdentities(ctx).PageSize(250)
		if token != "" {
			req = req.PageToken(token)
		}
		got, resp, err := req.Execute()
		if err != nil {
			return nil, fmt.Errorf("listing identities: %w", err)
		}
		for _, i := range got {
			traits, _ := i.Traits.(map[string]any)
			email, _ := traits["email"].(string)
			name, _ := traits["name"].(string)
			out = append(out, fleetMember{id: i.Id, email: email, name: name})
		}
		token = nextToken(resp.Header.Get("Link"))
		if token == "" {
			return out, nil
		}
	}
}

// nextToken is the page_token of a Link header's rel="next", or "".
func nextToken(link string) string {
	for _, part := range strings.Split(link, ",") {
		if !strings.Contains(part, `rel="next"`) {
			continue
		}
		_, after, ok := strings.Cut(part, "page_token=")
		if !ok {
			return ""
		}
		return strings.FieldsFunc(after, func(r rune) bool { return r == '&' || r == '>' })[0]
	}
	return ""
}

func allNames(all []fleetMember) []string {
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = m.name
	}
	sort.Strings(names)
	return names
}

// loginAll logs every fleet member in with its configured password, a few
// at a time.
func loginAll(ctx context.Context, k *acctest.Kratos, domain string, version int) error {
	var wg sync.WaitGroup
	errs := make(chan error, fleetSize)
	sem := make(chan struct{}, 8)
	for n := range fleetSize {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pw := fleetPassword(n, version, domain)
			if _, err := k.Login(ctx, fmt.Sprintf("fleet-%d@%s", n, domain), pw); err != nil {
				errs <- fmt.Errorf("fleet member %d can not log in with its v%d password: %w", n, version, acctest.Redact(err, pw))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	return nil
}

// fleetDestroyed checks that destroy removed every identity from Kratos.
func fleetDestroyed(k *acctest.Kratos) resource.TestCheckFunc {
	return func(*terraform.State) error {
		all, err := listAll(context.Background(), k)
		if err != nil {
			return err
		}
		if len(all) != 0 {
			return fmt.Errorf("%d identities left in Kratos after destroy", len(all))
		}
		return nil
	}
}

// fleetTest runs the fleet through create, update of every member, a clean
// plan and destroy, all through proxy. A failed step fails the test: each
// apply must converge at the first attempt.
func fleetTest(t *testing.T, k *acctest.Kratos, proxy *acctest.FaultProxy) {
	domain := strings.ToLower(strings.Split(acctest.RandomEmail(), "@")[0]) + ".example.com"
	t.Cleanup(func() { t.Logf("%s: %s", t.Name(), proxy.Summary()) })
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             fleetDestroyed(k),
		Steps: []resource.TestStep{
			{
				Config: fleetConfig(proxy.URL(), domain, 1),
				Check:  fleetChecks(t, k, domain, 1),
			},
			{
				Config: fleetConfig(proxy.URL(), domain, 2),
				Check:  fleetChecks(t, k, domain, 2),
			},
			{
				Config:   fleetConfig(proxy.URL(), domain, 2),
				PlanOnly: true,
			},
		},
	})
}

// Faults that say "not processed" only: rate limits, 503 and connections
// reset before the request reached Kratos, on every method.
func TestAccReliability_retryableFaults(t *testing.T) {
	skipUnlessAcc(t)
	k := acctest.StartForTest(t, acctest.StartOptions{})
	proxy := acctest.StartFaultProxy(t, k.AdminURL, rand.Uint64(), acctest.FaultRule{
		Faults: []acctest.Fault{acctest.FaultRateLimit, acctest.FaultRateLimitNoRetryAfter, acctest.FaultUnavailable, acctest.FaultReset},
		Rate:   0.2,
	})
	fleetTest(t, k, proxy)
}

// Answers lost after Kratos made the change (a gateway's 504, a dropped
// connection) on creates, updates, password sets, verification and
// deletes, mixed with resets before forwarding and gateway errors on reads.
func TestAccReliability_lostAnswers(t *testing.T) {
	skipUnlessAcc(t)
	k := acctest.StartForTest(t, acctest.StartOptions{})
	lost := []acctest.Fault{acctest.FaultLoseAnswer504, acctest.FaultLoseAnswerDrop, acctest.FaultReset}
	proxy := acctest.StartFaultProxy(t, k.AdminURL, rand.Uint64(),
		acctest.FaultRule{Method: "POST", PathPrefix: "/admin/identities", Faults: lost, Rate: 0.3},
		acctest.FaultRule{Method: "PUT", PathPrefix: "/admin/identities", Faults: lost, Rate: 0.3},
		acctest.FaultRule{Method: "PATCH", PathPrefix: "/admin/identities", Faults: lost, Rate: 0.3},
		acctest.FaultRule{Method: "DELETE", PathPrefix: "/admin/identities", Faults: lost, Rate: 0.3},
		acctest.FaultRule{Method: "GET", Faults: []acctest.Fault{acctest.FaultLoseAnswer504, acctest.FaultLoseAnswerDrop}, Rate: 0.1},
	)
	fleetTest(t, k, proxy)
}

// Kratos killed with SIGKILL in the middle of the creates and again in the
// middle of the password updates, and started again on the same database.
func TestAccReliability_kratosKilled(t *testing.T) {
	skipUnlessAcc(t)
	k := acctest.StartForTest(t, acctest.StartOptions{})
	proxy := acctest.StartFaultProxy(t, k.AdminURL, rand.Uint64())
	restart := func() {
		if err := k.Kill(); err != nil {
			t.Errorf("killing Kratos: %v", err)
			return
		}
		time.Sleep(time.Second)
		if err := k.Restart(context.Background()); err != nil {
			t.Errorf("restarting Kratos: %v", err)
		}
	}
	// Creates go out in batches of up to -parallelism (PATCH /admin/identities).
	proxy.OnNth("PATCH", "/admin/identities", 3, restart)
	proxy.OnNth("PUT", "/admin/identities", fleetSize*3/2, restart)
	fleetTest(t, k, proxy)
}

// lostAnswerProvider is a provider block whose every create goes through a
// proxy that forwards it to the package's Kratos and loses the answer.
func lostAnswerProvider(t *testing.T) string {
	proxy := acctest.StartFaultProxy(t, acctest.AdminURL(), rand.Uint64(), acctest.FaultRule{
		Method: "POST", PathPrefix: "/admin/identities", Faults: []acctest.Fault{acctest.FaultLoseAnswer504}, Rate: 1,
	})
	return fmt.Sprintf("provider \"ory\" {\n  url = %q\n}\n", proxy.URL())
}

// An identity that holds the identifier from before the apply (here one
// made through the API, as a person's own account would be) is never
// adopted after a lost answer: the apply fails naming it and the import.
func TestAccReliability_lostAnswerNeverAdoptsAnOlderIdentity(t *testing.T) {
	skipUnlessAcc(t)
	email := acctest.RandomEmail()
	holder := createIdentityViaAPI(t, "email", map[string]any{"email": email})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: lostAnswerProvider(t) + fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q, name = "Someone else" })
}`, email),
			ExpectError: wrapped(`Unable to Create Identity.*` + holder + `.*already uses the identifier "` + regexp.QuoteMeta(email) + `".*terraform import`),
		}},
		CheckDestroy: func(*terraform.State) error {
			found, _, err := acctest.Client().IdentityAPI.ListIdentities(context.Background()).CredentialsIdentifier(email).Execute()
			if err != nil {
				return err
			}
			if len(found) != 1 || found[0].Id != holder {
				return fmt.Errorf("identities with %s after the failed apply: %d, want only %s", email, len(found), holder)
			}
			return nil
		},
	})
}

// A lost answer to a create of an identity whose schema gives it no login
// identifier can not be resolved: the apply fails with the traits it sent
// and how to import the identity, and sends the create only once.
func TestAccReliability_lostAnswerWithoutLoginIdentifier(t *testing.T) {
	skipUnlessAcc(t)
	marker := acctest.RandomUsername()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: lostAnswerProvider(t) + fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = %q
  traits    = jsonencode({ name = %q })
}`, acctest.SchemaRecord, marker),
			ExpectError: wrapped(`Unable to Create Identity.*identity schema "` + acctest.SchemaRecord + `" gives these traits no login identifier.*` +
				regexp.QuoteMeta(`{"name":"`+marker+`"}`) + `.*import it`),
		}},
		CheckDestroy: func(*terraform.State) error {
			// The create happened once; the test removes it.
			var found []string
			all, err := listAllOf(context.Background(), acctest.Client())
			if err != nil {
				return err
			}
			for _, m := range all {
				if m.name == marker {
					found = append(found, m.id)
					_, _ = acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), m.id).Execute()
				}
			}
			if len(found) != 1 {
				return fmt.Errorf("identities named %s: %d, want exactly 1 (the create sent once)", marker, len(found))
			}
			return nil
		},
	})
}

// An apply that fails half-way (the identity created, its password refused
// by an API that keeps answering 503) leaves state that matches Ory: the
// identity is in state, the password is not, nothing is orphaned, and the
// next apply sets the password without touching the identity.
func TestAccReliability_failureHalfWayNextApplyFinishes(t *testing.T) {
	skipUnlessAcc(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	proxy := acctest.StartFaultProxy(t, acctest.AdminURL(), rand.Uint64(), acctest.FaultRule{
		Method: "PUT", PathPrefix: "/admin/identities", Faults: []acctest.Fault{acctest.FaultUnavailable}, Rate: 1,
	})
	config := fmt.Sprintf(`
provider "ory" {
  url         = %q
  max_retries = 1
}

resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

resource "ory_identity_password" "test" {
  identity_id = ory_identity.test.id
  password    = %q
}`, proxy.URL(), email, password)
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: wrapped(`Unable to Set Password.*503`),
			},
			{
				// The state after the failed apply: the identity, and no password.
				PreConfig: func() {
					found, _, err := acctest.Client().IdentityAPI.ListIdentities(context.Background()).CredentialsIdentifier(email).Execute()
					if err != nil || len(found) != 1 {
						t.Fatalf("identities with %s after the failed apply: %d (%v), want 1", email, len(found), err)
					}
					id = found[0].Id
					proxy.SetRules()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ory_identity.test", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("ory_identity_password.test", plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr("ory_identity.test", "id", &id),
					func(*terraform.State) error {
						_, err := acctest.Login(context.Background(), email, password)
						return acctest.Redact(err, password)
					},
				),
			},
		},
	})
}
