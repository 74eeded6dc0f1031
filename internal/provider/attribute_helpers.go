package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// stringsOf returns the known string elements of a set or list.
func stringsOf(s interface {
	IsNull() bool
	IsUnknown() bool
	Elements() []attr.Value
}) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	for _, el := range s.Elements() {
		if v, ok := el.(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			out = append(out, v.ValueString())
		}
	}
	return out
}

// stringSet is a set of strings, empty (not null) when ss is.
func stringSet(ss []string) types.Set {
	values := make([]attr.Value, 0, len(ss))
	for _, s := range ss {
		values = append(values, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, values)
}

// objectList is a list of objects of type t, one per attribute map.
func objectList(t types.ObjectType, objects []map[string]attr.Value, diags *diag.Diagnostics) types.List {
	values := make([]attr.Value, 0, len(objects))
	for _, attrs := range objects {
		o, d := types.ObjectValue(t.AttrTypes, attrs)
		diags.Append(d...)
		values = append(values, o)
	}
	l, d := types.ListValue(t, values)
	diags.Append(d...)
	return l
}

// nonEmptyString is *p, or null for nil or "".
func nonEmptyString(p *string) types.String {
	if p == nil || *p == "" {
		return types.StringNull()
	}
	return types.StringValue(*p)
}

// knownStringPointer is v's value, or nil when v is null or unknown.
func knownStringPointer(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return v.ValueStringPointer()
}
