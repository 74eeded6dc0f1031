package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

// planIdentityExists checks at plan time that the identity a new resource
// names in identity_id exists, when the id is known.
func planIdentityExists(ctx context.Context, c *ory.Client, plan tfsdk.Plan, diags *diag.Diagnostics) {
	var id types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("identity_id"), &id)...)
	if diags.HasError() || id.IsUnknown() || id.IsNull() || !isUUID(id.ValueString()) {
		return
	}
	if _, err := c.GetIdentity(ctx, id.ValueString()); err != nil {
		diags.Append(identityLookupError(path.Root("identity_id"), id.ValueString(), err))
	}
}

// identityLookupError explains an identity_id that does not resolve.
func identityLookupError(p path.Path, id string, err error) diag.Diagnostic {
	if ory.IsNotFound(err) {
		return diag.NewAttributeErrorDiagnostic(p, "Identity Not Found",
			fmt.Sprintf("There is no identity %s. Check identity_id, or create the identity first (reference ory_identity.<name>.id).", id))
	}
	return diag.NewAttributeErrorDiagnostic(p, "Unable to Read Identity",
		fmt.Sprintf("Reading identity %s failed: %s", id, ory.Reason(err)))
}

// identifierMatchProblem explains a login identifier lookup that found no
// identity or more than one; the data source and import share it.
func identifierMatchProblem(identifier string, found []ory.Identity) (summary, detail string) {
	if len(found) == 0 {
		return "Identity Not Found", fmt.Sprintf("No identity uses the login identifier %q. "+
			"A login identifier is a trait value the identity schema marks as a credential identifier, such as the email, phone number or username the identity signs in with; "+
			"an address that is only verifiable is not one. Emails and usernames match without regard to case, phone numbers only as stored (such as +14155552671). "+
			"Check the value, or use the identity's UUID instead.", identifier)
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	return "Several Identities Match", fmt.Sprintf("%d identities use the login identifier %q: %s. "+
		"That happens when one identity signs in with it by password and another has the same value as a social sign-in (OIDC) or one-time code identifier. "+
		"Use the UUID of the one you mean instead.", len(found), identifier, strings.Join(ids, ", "))
}

// externalIDLookupProblem explains a failed lookup by external_id: none has
// it (notFound), or the lookup itself failed; the data source and import
// share it.
func externalIDLookupProblem(externalID string, err error) (notFound bool, detail string) {
	if ory.IsNotFound(err) {
		return true, fmt.Sprintf("No identity has the external_id %q.", externalID)
	}
	return false, fmt.Sprintf("Looking up the identity with external_id %q failed: %s", externalID, ory.Reason(err))
}
