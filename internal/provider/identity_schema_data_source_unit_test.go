package provider

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// What the harness schemas can not show: nested traits, an order by path
// that differs from the order by dotted name, a schema left unchecked, and
// no traits at all giving empty lists, not null ones.
func TestIdentitySchemaFromAPI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   ory.Schema
		want identitySchemaModel
	}{
		{
			name: "nested traits, sorted by dotted name, unchecked",
			in: ory.Schema{
				ID: "staff", Raw: []byte(`{"title": "Staff"}`), Unchecked: "the schema refers to https://example.com/x.json",
				Traits: []ory.TraitRule{
					{Path: []string{"name", "login"}, Identifier: []string{"webauthn", "password"}},
					{Path: []string{"name-alt"}, Identifier: []string{"password"}, RecoveryVia: "email"},
					{Path: []string{"phone"}, Identifier: []string{"code"}, CodeVia: "sms", VerificationVia: "sms"},
				},
			},
			want: identitySchemaModel{
				ID: types.StringValue("staff"), Schema: jsontypes.NewNormalizedValue(`{"title": "Staff"}`),
				Identifiers: []schemaIdentifierModel{
					{Trait: types.StringValue("name-alt"), Methods: []string{"password"}},
					{Trait: types.StringValue("name.login"), Methods: []string{"password", "webauthn"}},
					{Trait: types.StringValue("phone"), Methods: []string{"code"}},
				},
				Verifiable:    []schemaChannelModel{{Trait: types.StringValue("phone"), Via: types.StringValue("sms")}},
				Recoverable:   []schemaChannelModel{{Trait: types.StringValue("name-alt"), Via: types.StringValue("email")}},
				CheckedAtPlan: types.BoolValue(false),
			},
		},
		{
			name: "no traits",
			in:   ory.Schema{ID: "record", Raw: []byte(`{}`)},
			want: identitySchemaModel{
				ID: types.StringValue("record"), Schema: jsontypes.NewNormalizedValue(`{}`),
				Identifiers: []schemaIdentifierModel{}, Verifiable: []schemaChannelModel{}, Recoverable: []schemaChannelModel{},
				CheckedAtPlan: types.BoolValue(true),
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rules := append([]ory.TraitRule(nil), tc.in.Traits...)
			got := identitySchemaFromAPI(&tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("identitySchemaFromAPI() =\n%+v\nwant\n%+v", got, tc.want)
			}
			if !reflect.DeepEqual(tc.in.Traits, rules) {
				t.Errorf("identitySchemaFromAPI changed the schema's traits: %+v", tc.in.Traits)
			}
		})
	}
}
