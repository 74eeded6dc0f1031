package provider

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

func TestIdentityFromAPI(t *testing.T) {
	t.Parallel()
	in := &ory.Identity{
		ID: "7c0e3b5e-4e0e-4a8a-9f8e-1b1b1b1b1b1b", SchemaID: "phone", State: "inactive",
		Traits:         map[string]any{"phone": "+14155552671", "email": "admin@example.com"},
		MetadataPublic: map[string]any{"role": "admin"},
		VerifiableAddresses: []ory.VerifiableAddress{
			{Value: "admin@example.com", Via: "email", Verified: true, Status: "completed"},
			{Value: "+14155552671", Via: "sms", Verified: false, Status: "pending"},
		},
		RecoveryAddresses: []ory.Address{{Value: "admin@example.com", Via: "email"}},
	}
	// The user wrote the address with capitals; Kratos stores it in lower case.
	prior := &identityResourceModel{VerifiedAddresses: types.SetValueMust(types.StringType, []attr.Value{types.StringValue("Admin@Example.com")})}

	m, diags := identityFromAPI(context.Background(), in, prior)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if m.ID.ValueString() != in.ID || m.SchemaID.ValueString() != "phone" || m.State.ValueString() != "inactive" {
		t.Errorf("scalars = %v %v %v", m.ID, m.SchemaID, m.State)
	}
	if got := m.Traits.ValueString(); got != `{"email":"admin@example.com","phone":"+14155552671"}` {
		t.Errorf("traits = %s", got)
	}
	if !m.MetadataAdmin.IsNull() || m.MetadataPublic.ValueString() != `{"role":"admin"}` {
		t.Errorf("metadata = %v / %v", m.MetadataPublic, m.MetadataAdmin)
	}
	if got := stringsOf(m.VerifiedAddresses); !reflect.DeepEqual(got, []string{"Admin@Example.com"}) {
		t.Errorf("verified_addresses = %v, want the prior spelling", got)
	}
	// Sorted by value, whatever order Kratos answered in.
	first := m.VerifiableAddresses.Elements()[0].(types.Object).Attributes()["value"].(types.String).ValueString()
	if first != "+14155552671" {
		t.Errorf("first verifiable address = %s, want the list sorted", first)
	}
}

func TestIdentityFromAPINoVerifiedIsEmptySet(t *testing.T) {
	t.Parallel()
	m, diags := identityFromAPI(context.Background(), &ory.Identity{ID: "x", Traits: map[string]any{}}, nil)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if m.VerifiedAddresses.IsNull() || len(m.VerifiedAddresses.Elements()) != 0 {
		t.Errorf("verified_addresses = %v, want an empty set", m.VerifiedAddresses)
	}
	if m.VerifiableAddresses.IsNull() || m.RecoveryAddresses.IsNull() {
		t.Error("address lists are null, want empty lists")
	}
}

func TestToInput(t *testing.T) {
	t.Parallel()
	m := identityResourceModel{
		SchemaID:       types.StringValue("email"),
		State:          types.StringValue("active"),
		Traits:         jsontypes.NewNormalizedValue(`{"email":"a@example.com","age":12345678901234567890}`),
		MetadataPublic: jsontypes.NewNormalizedNull(),
		MetadataAdmin:  jsontypes.NewNormalizedValue(`{"n":1.50}`),
	}
	in, diags := m.toInput()
	if diags.HasError() {
		t.Fatal(diags)
	}
	if in.MetadataPublic != nil {
		t.Errorf("null metadata_public sent as %v, want nothing", in.MetadataPublic)
	}
	// Numbers pass through exactly, even beyond float64's precision.
	b, _ := json.Marshal(in.Traits)
	if string(b) != `{"age":12345678901234567890,"email":"a@example.com"}` {
		t.Errorf("traits sent as %s", b)
	}

	m.Traits = jsontypes.NewNormalizedValue(`["not", "an", "object"]`)
	if _, diags := m.toInput(); !diags.HasError() {
		t.Error("array traits accepted")
	}
}

func TestTraitStrings(t *testing.T) {
	t.Parallel()
	v, err := decodeJSON(`{"z":"last","a":{"phones":["+1","+2"],"n":3,"ok":true},"m":"mid"}`)
	if err != nil {
		t.Fatal(err)
	}
	got := traitStrings(v)
	want := []string{"+1", "+2", "mid", "last"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("traitStrings = %v, want %v", got, want)
	}
}

func TestIsUUID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c": true,
		"5F1C3B8E-6D7A-4A43-9C1E-2B7F0F7B1A2C": true,
		"admin@example.com":                    false,
		"5f1c3b8e6d7a4a439c1e2b7f0f7b1a2c":     false,
		"5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2g": false,
		"":                                     false,
	} {
		if isUUID(s) != want {
			t.Errorf("isUUID(%q) = %v", s, !want)
		}
	}
}

func TestSameAddressSet(t *testing.T) {
	t.Parallel()
	set := func(vs ...string) types.Set {
		els := make([]attr.Value, len(vs))
		for i, v := range vs {
			els[i] = types.StringValue(v)
		}
		return types.SetValueMust(types.StringType, els)
	}
	if !sameAddressSet(set("A@x.com", "+1"), set("+1", "a@x.com")) {
		t.Error("case and order count as a difference")
	}
	if sameAddressSet(set("a@x.com"), set("a@x.com", "+1")) {
		t.Error("an added address is not seen")
	}
	if sameAddressSet(types.SetNull(types.StringType), set()) {
		t.Error("null equals empty")
	}
}
