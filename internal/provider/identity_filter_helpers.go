package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

// identityFilterModel holds the filters shared by the identity listings
// (data source ory_identities, list ory_identity). ids is a set in the data
// source and a list in the list resource: list schemas have no set
// attribute, and the data source's type stays as released.
type identityFilterModel struct {
	Identifier types.String `tfsdk:"identifier"`
	SchemaID   types.String `tfsdk:"schema_id"`
	State      types.String `tfsdk:"state"`
}

// listOptions are the filters as the API client takes them; ids is the
// set or list of UUIDs.
func (f identityFilterModel) listOptions(ids interface {
	IsNull() bool
	IsUnknown() bool
	Elements() []attr.Value
}) ory.ListOptions {
	opts := ory.ListOptions{
		Identifier: f.Identifier.ValueString(),
		SchemaID:   f.SchemaID.ValueString(),
		State:      f.State.ValueString(),
	}
	if !ids.IsNull() {
		// Set, even when empty: no ids filters everything out.
		opts.IDs = append([]string{}, stringsOf(ids)...)
	}
	return opts
}

const idsFilterDescription = "Keep only the identities with these UUIDs. Ids that no identity has are left out of the result; an empty `ids` matches nothing."

// identityFilterAttributes is the schema of the shared filters, built with
// one schema package's constructors for string attributes; ids, whose kind
// differs, is added by each listing.
func identityFilterAttributes[A any](str func(description string, validators ...validator.String) A) map[string]A {
	return map[string]A{
		"identifier": str("Keep only the identities that sign in with this login identifier (an email, phone number or username), as the API matches it: "+
			"emails and usernames without regard to case; phone numbers exactly as stored, such as `+14155552671`.",
			stringvalidator.LengthAtLeast(1)),
		"schema_id": str("Keep only the identities of this identity schema, such as `email`. The API has no such filter: the provider reads every page and filters.",
			stringvalidator.LengthAtLeast(1)),
		"state": str("Keep only the identities in this state: one of "+quote.Join(ory.States, quote.Code, ", ")+". The API has no such filter: the provider reads every page and filters.",
			stringvalidator.OneOf(ory.States...)),
	}
}
