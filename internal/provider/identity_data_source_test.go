package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
)

// The data source, looked up by id, reads exactly what the resource holds.
func TestAccIdentityDataSource_byID(t *testing.T) {
	email, phone := acctest.RandomEmail(), acctest.RandomPhone()
	config := fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id          = "phone"
  traits             = jsonencode({ phone = %q, email = %q, role = "admin" })
  state              = "inactive"
  metadata_public    = jsonencode({ team = "platform" })
  metadata_admin     = jsonencode({ ticket = "OPS-1" })
  verified_addresses = [%q]
}

data "ory_identity" "test" {
  id = ory_identity.test.id
}`, phone, email, email)

	var checks []statecheck.StateCheck
	for _, a := range []string{"id", "schema_id", "traits", "state", "metadata_public", "metadata_admin", "verified_addresses", "verifiable_addresses", "recovery_addresses"} {
		checks = append(checks, statecheck.CompareValuePairs(identityAddr, tfjsonpath.New(a), "data.ory_identity.test", tfjsonpath.New(a), compare.ValuesSame()))
	}
	checks = append(checks,
		statecheck.ExpectKnownValue("data.ory_identity.test", tfjsonpath.New("identifier"), knownvalue.Null()),
		statecheck.ExpectKnownValue("data.ory_identity.test", tfjsonpath.New("state"), knownvalue.StringExact("inactive")),
		statecheck.ExpectKnownValue("data.ory_identity.test", tfjsonpath.New("verified_addresses"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(email)})),
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: checks,
		}},
	})
}

// Login identifiers of all three kinds, for identities created by hand.
// Emails and usernames match without regard to case; phone numbers as stored.
func TestAccIdentityDataSource_byIdentifier(t *testing.T) {
	skipUnlessAcc(t) // the test creates identities before resource.Test would skip
	email, phone, username := acctest.RandomEmail(), acctest.RandomPhone(), acctest.RandomUsername()
	emailID := createIdentityViaAPI(t, "email", map[string]any{"email": email, "name": "Ada"})
	phoneID := createIdentityViaAPI(t, "phone", map[string]any{"phone": phone, "email": acctest.RandomEmail()})
	usernameID := createIdentityViaAPI(t, "username", map[string]any{"username": username})

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "ory_identity" "email" {
  identifier = %q
}

data "ory_identity" "phone" {
  identifier = %q
}

data "ory_identity" "username" {
  identifier = %q
}`, strings.ToUpper(email), phone, strings.ToUpper(username)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("id"), knownvalue.StringExact(emailID)),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("identifier"), knownvalue.StringExact(strings.ToUpper(email))),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("schema_id"), knownvalue.StringExact("email")),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("traits"), knownvalue.StringExact(fmt.Sprintf(`{"email":%q,"name":"Ada"}`, email))),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("state"), knownvalue.StringExact("active")),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("metadata_public"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("verified_addresses"), knownvalue.SetSizeExact(0)),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("verifiable_addresses"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"value": knownvalue.StringExact(email), "via": knownvalue.StringExact("email"),
						"verified": knownvalue.Bool(false), "status": knownvalue.StringExact("pending"),
					}),
				})),
				statecheck.ExpectKnownValue("data.ory_identity.email", tfjsonpath.New("recovery_addresses"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"value": knownvalue.StringExact(email), "via": knownvalue.StringExact("email")}),
				})),
				statecheck.ExpectKnownValue("data.ory_identity.phone", tfjsonpath.New("id"), knownvalue.StringExact(phoneID)),
				statecheck.ExpectKnownValue("data.ory_identity.phone", tfjsonpath.New("schema_id"), knownvalue.StringExact("phone")),
				statecheck.ExpectKnownValue("data.ory_identity.phone", tfjsonpath.New("verifiable_addresses"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue("data.ory_identity.username", tfjsonpath.New("id"), knownvalue.StringExact(usernameID)),
				statecheck.ExpectKnownValue("data.ory_identity.username", tfjsonpath.New("verifiable_addresses"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

// What is not a login identifier, as Kratos v1.3.1 stores it, finds nothing,
// and the error says what to do.
func TestAccIdentityDataSource_notFound(t *testing.T) {
	skipUnlessAcc(t)
	phone, secondEmail := acctest.RandomPhone(), acctest.RandomEmail()
	createIdentityViaAPI(t, "phone", map[string]any{"phone": phone, "email": secondEmail})
	// +1415NXXXXXX written as +1 415 NXX XXXX.
	spaced := phone[:2] + " " + phone[2:5] + " " + phone[5:8] + " " + phone[8:]

	cases := []struct{ name, attr, err string }{
		{"unknown id", `id = "00000000-0000-4000-8000-000000000000"`, `Identity Not Found.*No identity has the id 00000000-0000-4000-8000-000000000000`},
		{"unknown email", fmt.Sprintf(`identifier = %q`, acctest.RandomEmail()), `Identity Not Found.*No identity uses the login identifier`},
		{"email that is only a verifiable address", fmt.Sprintf(`identifier = %q`, secondEmail), `No identity uses the login identifier "` + regexp.QuoteMeta(secondEmail) + `".*only verifiable is not one`},
		{"phone written with spaces", fmt.Sprintf(`identifier = %q`, spaced), `No identity uses the login identifier "` + regexp.QuoteMeta(spaced) + `".*phone numbers only as stored`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "data \"ory_identity\" \"test\" {\n  " + tc.attr + "\n}",
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// A value that is one identity's username and another's social sign-in
// identifier matches both: the error names them instead of picking one.
func TestAccIdentityDataSource_severalMatch(t *testing.T) {
	skipUnlessAcc(t)
	shared, ids := sharedIdentifier(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf("data \"ory_identity\" \"test\" {\n  identifier = %q\n}", shared),
			ExpectError: wrapped(`Several Identities Match.*2 identities use the login identifier "` + regexp.QuoteMeta(shared) + `": ` + ids[0] + `, ` + ids[1] + `.*Use the UUID`),
		}},
	})
}

// The data source examples, as the docs show them, read what they say; the
// admin of the resource example is created by hand first.
func TestAccIdentityDataSource_examples(t *testing.T) {
	skipUnlessAcc(t)
	// The example reads the role from metadata, where the docs advise to keep it.
	got, _, err := acctest.Client().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(client.CreateIdentityBody{
		SchemaId:       "phone",
		Traits:         map[string]any{"phone": "+14155552671", "email": "admin@example.com"},
		MetadataPublic: map[string]any{"role": "admin"},
	}).Execute()
	if err != nil {
		t.Fatalf("creating the example's admin through the API: %v", err)
	}
	t.Cleanup(func() { _, _ = acctest.Client().IdentityAPI.DeleteIdentity(context.Background(), got.Id).Execute() })
	id := got.Id
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          readExample(t, "data-sources/ory_identity/data-source.tf") + "\n" + readExample(t, "data-sources/ory_identities/data-source.tf"),
			ConfigVariables: config.Variables{"identity_id": config.StringVariable(id)},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("admin_id", knownvalue.StringExact(id)),
				statecheck.ExpectKnownOutputValue("admin_email_verified", knownvalue.Bool(false)),
				statecheck.ExpectKnownOutputValue("role", knownvalue.StringExact("admin")),
				statecheck.ExpectKnownOutputValue("selected_emails", knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue("data.ory_identities.by_identifier", tfjsonpath.New("identities").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(id)),
				statecheck.ExpectKnownValue("data.ory_identities.by_identifier", tfjsonpath.New("identities"), knownvalue.ListSizeExact(1)),
			},
		}},
	})
}

// Exactly one of id, identifier and external_id, checked at plan time.
func TestAccIdentityDataSource_exactlyOneOf(t *testing.T) {
	cases := []struct{ name, attrs, err string }{
		{"neither", ``, `Exactly one of these attributes must be configured: \[id,identifier,external_id\]`},
		{"both", `id = "00000000-0000-4000-8000-000000000000"` + "\n" + `identifier = "admin@example.com"`, `Invalid Attribute Combination.*Exactly one of these attributes must be configured: \[id,identifier,external_id\]`},
		{"id not a UUID", `id = "admin@example.com"`, `Invalid Identity ID.*must be an identity UUID.*got "admin@example.com"`},
		{"empty identifier", `identifier = ""`, `identifier string length must be at least 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "data \"ory_identity\" \"test\" {\n" + tc.attrs + "\n}",
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// The data source has every attribute of the resource, with the same type,
// so an attribute added to the resource can not be forgotten here.
func TestIdentityDataSourceSchemaCoversResource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := provider.New("test")()

	resourceTypes := map[string]attr.Type{}
	for _, f := range p.Resources(ctx) {
		r := f()
		var meta fwresource.MetadataResponse
		r.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: "ory"}, &meta)
		if meta.TypeName != "ory_identity" {
			continue
		}
		var resp fwresource.SchemaResponse
		r.Schema(ctx, fwresource.SchemaRequest{}, &resp)
		for name, a := range resp.Schema.Attributes {
			resourceTypes[name] = a.GetType()
		}
	}
	if len(resourceTypes) == 0 {
		t.Fatal("the provider has no ory_identity resource")
	}

	dataTypes := map[string]attr.Type{}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "ory"}, &meta)
		if meta.TypeName != "ory_identity" {
			continue
		}
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("schema: %v", resp.Diagnostics)
		}
		for name, a := range resp.Schema.Attributes {
			dataTypes[name] = a.GetType()
		}
	}
	for name, want := range resourceTypes {
		got, ok := dataTypes[name]
		switch {
		case !ok:
			t.Errorf("data source ory_identity lacks the resource attribute %q", name)
		case !got.Equal(want):
			t.Errorf("attribute %q: data source type %s, resource type %s", name, got, want)
		}
	}
}
