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
