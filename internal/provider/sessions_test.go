package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	client "github.com/ory/client-go"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

// What Kratos v1.3.1 does by itself, and why the provider revokes: an
// inactive identity's session tokens are refused, but they are not ended,
// and they work again when the identity is made active.
func TestAccSessions_kratosKeepsThemOnDeactivation(t *testing.T) {
	skipUnlessAcc(t)
	acctest.PreCheck(t)
	t.Parallel()
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	id := createIdentityWithPassword(t, email, password)
	token := login(t, email, password)
	setStateViaAPI(t, id, "inactive")
	if err := whoami(token, id); err == nil {
		t.Error("whoami accepts the session of an inactive identity")
	}
	setStateViaAPI(t, id, "active")
	if err := whoami(token, id); err != nil {
		t.Errorf("Kratos no longer revives the sessions of a reactivated identity (%v): revisit the docs of ory_identity.state", err)
	}
}

// Deactivating an identity with Terraform ends its sessions: they stay
// refused when the identity is active again.
func TestAccSessions_deactivationEndsThem(t *testing.T) {
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	var id string
	var tokens []string
	withState := func(state string) string {
		return fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
  state     = %q
}

resource "ory_identity_password" "test" {
  identity_id = ory_identity.test.id
  password    = %q
}`, email, state, password)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: withState("active"),
				Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), func(*terraform.State) error {
					for range 2 {
						tokens = append(tokens, login(t, email, password))
					}
					return whoami(tokens[0], id)
				}),
			},
			{
				Config: withState("inactive"),
				Check: func(*terraform.State) error {
					return refused(tokens, id)
				},
			},
			{
				Config: withState("active"),
				Check: func(*terraform.State) error {
					if err := refused(tokens, id); err != nil {
						return fmt.Errorf("after reactivation: %w", err)
					}
					// The identity itself works again.
					return whoami(login(t, email, password), id)
				},
			},
		},
	})
}

// With revoke_sessions, a rotation ends the sessions opened with the old
// password; without it, they survive.
func TestAccSessions_rotationWithRevokeSessions(t *testing.T) {
	email, first, second, third := acctest.RandomEmail(), acctest.RandomPassword(), acctest.RandomPassword(), acctest.RandomPassword()
	var id, before string
	config := func(password string, revoke bool) string {
		return passwordConfig(email, fmt.Sprintf("password        = %q\n  revoke_sessions = %t", password, revoke))
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config(first, false),
				Check: resource.ComposeTestCheckFunc(captureID(identityAddr, &id), func(*terraform.State) error {
					before = login(t, email, first)
					return nil
				}),
			},
			{
				// A routine rotation: the running session survives.
				Config: config(second, false),
				Check: func(*terraform.State) error {
					if err := whoami(before, id); err != nil {
						return fmt.Errorf("a rotation without revoke_sessions ended a session: %w", err)
					}
					return nil
				},
			},
			{
				// Turning revoke_sessions on sets no password and ends nothing.
				Config: config(second, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("revoke_sessions"), knownvalue.Bool(true)),
				},
				Check: func(*terraform.State) error {
					if err := whoami(before, id); err != nil {
						return fmt.Errorf("turning revoke_sessions on ended a session: %w", err)
					}
					return loginWorks(email, second, id)
				},
			},
			{
				// The leaked-password rotation: the old session ends.
				Config: config(third, true),
				Check: func(*terraform.State) error {
					if err := whoami(before, id); err == nil {
						return fmt.Errorf("the session opened before the rotation still works")
					}
					return loginWorks(email, third, id)
				},
			},
		},
	})
}

// ory_identity_sessions lists the active sessions, without IP addresses
// unless asked.
func TestAccIdentitySessionsDataSource(t *testing.T) {
	skipUnlessAcc(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	id := createIdentityWithPassword(t, email, password)
	login(t, email, password)
	login(t, email, password)
	session := knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"active":                        knownvalue.Bool(true),
		"authenticator_assurance_level": knownvalue.StringExact("aal1"),
		"authentication_methods":        knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("password")}),
		"devices":                       knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{"ip_address": knownvalue.Null()})}),
	})
	withIP := knownvalue.ObjectPartial(map[string]knownvalue.Check{
		"devices": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{"ip_address": knownvalue.StringRegexp(regexp.MustCompile(`^127\.0\.0\.1(:\d+)?$`))})}),
	})
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "ory_identity_sessions" "test" {
  identity_id = %q
}

data "ory_identity_sessions" "ips" {
  identity_id          = %q
  include_ip_addresses = true
}`, id, id),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ory_identity_sessions.test", tfjsonpath.New("sessions"), knownvalue.ListExact([]knownvalue.Check{session, session})),
				statecheck.ExpectKnownValue("data.ory_identity_sessions.ips", tfjsonpath.New("sessions"), knownvalue.ListExact([]knownvalue.Check{withIP, withIP})),
			},
		}},
	})
}

func login(t *testing.T, email, password string) string {
	t.Helper()
	token, err := acctest.Login(context.Background(), email, password)
	if err != nil {
		t.Fatalf("logging in: %v", err)
	}
	return token
}

func refused(tokens []string, id string) error {
	for i, token := range tokens {
		if whoami(token, id) == nil {
			return fmt.Errorf("session %d of %d still works", i+1, len(tokens))
		}
	}
	return nil
}

func setStateViaAPI(t *testing.T, id, state string) {
	t.Helper()
	_, _, err := acctest.Client().IdentityAPI.PatchIdentity(context.Background(), id).JsonPatch([]client.JsonPatch{
		{Op: "replace", Path: "/state", Value: state},
	}).Execute()
	if err != nil {
		t.Fatalf("setting state %s through the API: %v", state, err)
	}
}

// The example audits an offboarded admin's sessions: it sees the session
// while it lasts, and none after the identity was deactivated.
func TestAccExample_identitySessions(t *testing.T) {
	skipUnlessAcc(t)
	email, password := acctest.RandomEmail(), acctest.RandomPassword()
	id := createIdentityWithPassword(t, email, password)
	login(t, email, password)
	example := readExample(t, "data-sources/ory_identity_sessions/data-source.tf")
	vars := config.Variables{"offboarded_identity_id": config.StringVariable(id)}
	const addr = "data.ory_identity_sessions.offboarded"
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: example, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("sessions"), knownvalue.ListSizeExact(1))},
			},
			{
				PreConfig: func() { setStateViaAPI(t, id, "inactive"); revokeViaAPI(t, id) },
				Config:    example, ConfigVariables: vars,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("sessions"), knownvalue.ListSizeExact(0))},
			},
		},
	})
}

func revokeViaAPI(t *testing.T, id string) {
	t.Helper()
	if _, err := acctest.Client().IdentityAPI.DeleteIdentitySessions(context.Background(), id).Execute(); err != nil {
		t.Fatalf("revoking sessions through the API: %v", err)
	}
}
