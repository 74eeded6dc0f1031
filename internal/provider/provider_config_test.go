package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/identity-as-code/terraform-provider-ory/internal/acctest"
)

const someIdentity = `
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = "config-test@example.com" })
}`

func TestAccProvider_configErrors(t *testing.T) {
	cases := []struct {
		name, provider string
		env            map[string]string
		err            string
	}{
		{
			name: "missing url", env: map[string]string{"ORY_URL": "", "ORY_SDK_URL": ""},
			err: "Missing Ory URL.*`url` in the provider block, or one of the environment variables `ORY_URL` and `ORY_SDK_URL`",
		},
		{
			name: "url without scheme", provider: `provider "ory" { url = "127.0.0.1:4434" }`,
			err: `Invalid Ory URL.*"127.0.0.1:4434".*must start with http:// or https://`,
		},
		{
			name: "url with a query", provider: `provider "ory" { url = "http://127.0.0.1:4434/?x=1" }`,
			err: `Invalid Ory URL.*must not have a query`,
		},
		{
			name: "ory network without key", provider: `provider "ory" { url = "https://example-slug.projects.oryapis.com" }`,
			err: "Missing Ory API Key.*`api_key`, or one of `ORY_API_KEY` and `ORY_PROJECT_API_KEY`",
		},
		{
			name: "bad timeout", provider: `provider "ory" { request_timeout = "30" }`,
			err: `Invalid Duration.*request_timeout must be a duration greater than zero`,
		},
		{
			name: "negative retries", provider: `provider "ory" { max_retries = -1 }`,
			err: `max_retries.*between 0 and 100`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.provider + someIdentity,
					PlanOnly:    true,
					ExpectError: wrapped(tc.err),
				}},
			})
		})
	}
}

// ORY_SDK_URL, the Ory CLI's variable, is used when ORY_URL is not set.
func TestAccProvider_sdkURLFallback(t *testing.T) {
	skipUnlessAcc(t)
	t.Setenv("ORY_URL", "")
	t.Setenv("ORY_SDK_URL", acctest.AdminURL())
	email := acctest.RandomEmail()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "test" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}`, email),
			Check: resource.TestCheckResourceAttrSet(identityAddr, "id"),
		}},
	})
}

// A url that is unknown until apply (it comes from another resource) plans
// without error and is used once known.
func TestAccProvider_urlKnownOnlyAtApply(t *testing.T) {
	skipUnlessAcc(t)
	first, second := acctest.RandomEmail(), acctest.RandomEmail()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkIdentitiesDestroyed,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ory_identity" "first" {
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}

provider "ory" {
  alias = "late"
  # substr(..., 0, 0) is "", but unknown until the first identity exists.
  url = "%s${substr(ory_identity.first.id, 0, 0)}"
}

resource "ory_identity" "second" {
  provider  = ory.late
  schema_id = "email"
  traits    = jsonencode({ email = %q })
}`, first, acctest.AdminURL(), second),
			Check: func(s *terraform.State) error {
				id := s.RootModule().Resources["ory_identity.second"].Primary.ID
				if got := apiIdentity(t, id); got.Traits.(map[string]any)["email"] != second {
					return fmt.Errorf("second identity has traits %v", got.Traits)
				}
				return nil
			},
		}},
	})
}
