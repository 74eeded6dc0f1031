package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
