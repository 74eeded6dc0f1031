package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The official Ory provider (ory/ory) also calls its resource ory_identity and
// also writes it at schema version 0, so a state handed over with
// `state replace-provider` arrives here as version 0, like our own old states.
// It is told apart by the keys only it writes.

// officialIdentityOnlyKeys are the ory_identity attributes of the official
// provider that ours never had; none of them is taken over.
var officialIdentityOnlyKeys = []string{"password", "password_wo", "password_wo_version", "project_slug", "project_api_key"}

// identitySchemaVersion 1 marks states written since the official provider's
// states are taken over; version 0 is either provider's.
const identitySchemaVersion = 1

// UpgradeState takes version 0 to 1: our own states unchanged, the official
// provider's converted.
func (r *identityResource) UpgradeState(_ context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeIdentityStateV0},
	}
}

func upgradeIdentityStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil {
		resp.Diagnostics.AddError("Unable to Upgrade Identity State", "Terraform sent no state to upgrade. This is a bug in Terraform or in the provider; please report it.")
		return
	}
	resp.Diagnostics.Append(takeOverIdentityState(ctx, req.RawState.JSON, &resp.State)...)
}

// takeOverIdentityState writes the version-0 state raw (ours or the official
// provider's) into target, whose schema is ours. Attributes ours computes
// (addresses, identifiers) are left null: the refresh that follows fills them
// in from Ory, so nothing is planned.
func takeOverIdentityState(ctx context.Context, raw []byte, target *tfsdk.State) diag.Diagnostics {
	var diags diag.Diagnostics
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil {
		diags.AddError("Unable to Read Identity State", "The stored ory_identity state is not a JSON object: "+err.Error()+". Restore the state from a backup.")
		return diags
	}
	if isOfficialIdentityState(attrs) {
		diags.Append(officialIdentityNotes(attrs)...)
		for _, k := range officialIdentityOnlyKeys {
			delete(attrs, k)
		}
		// Metadata not set may be "" rather than null there; here it is null.
		for _, k := range []string{"metadata_public", "metadata_admin"} {
			if string(attrs[k]) == `""` {
				attrs[k] = json.RawMessage("null")
			}
		}
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		diags.AddError("Unable to Read Identity State", "Encoding the converted state failed: "+err.Error()+". This is a bug in the provider; please report it.")
		return diags
	}
	// Unknown keys are an error: a state that is neither ours nor the
	// official provider's must not be taken over by guesswork.
	v, err := (&tfprotov6.RawState{JSON: b}).Unmarshal(target.Schema.Type().TerraformType(ctx))
	if err != nil {
		diags.AddError("Unable to Read Identity State",
			"The stored ory_identity state (schema version 0) is neither this provider's nor the official Ory provider's (ory/ory): "+err.Error()+
				". If it was written by another provider, remove it with `terraform state rm` and import the identity by its id instead.")
		return diags
	}
	target.Raw = v
	return diags
}

// isOfficialIdentityState reports whether a version-0 state has a key only
// the official provider writes. Its oldest releases write password always
// (null when unset), so every release has at least one.
func isOfficialIdentityState(attrs map[string]json.RawMessage) bool {
	for _, k := range officialIdentityOnlyKeys {
		if _, ok := attrs[k]; ok {
			return true
		}
	}
	return false
}

// officialIdentityNotes warns about what is not taken over: the password the
// official provider kept in state, and a project set on the resource itself.
// Nothing in Ory changes, so these are warnings; the values are never shown.
func officialIdentityNotes(attrs map[string]json.RawMessage) diag.Diagnostics {
	var diags diag.Diagnostics
	id := stringAttr(attrs, "id")
	if stringAttr(attrs, "password") != "" || stringAttr(attrs, "password_wo_version") != "" {
		diags.AddWarning("Password Left Out of State",
			fmt.Sprintf("The official Ory provider managed the password of identity %s in ory_identity (password or password_wo). "+
				"This provider manages passwords in the ory_identity_password resource and never keeps them in ory_identity, so the password was left out of the taken-over state. "+
				"It is unchanged in Ory: the person still signs in with it. To manage it with Terraform, add an ory_identity_password with identity_id = %q and import it "+
				"(import id %q) or set on_change_outside = \"keep\", so that it is adopted and not reset. Remove `password` from the ory_identity block. "+
				"This warning stops once an apply has saved the state.", id, id, id))
	}
	if stringAttr(attrs, "project_slug") != "" || stringAttr(attrs, "project_api_key") != "" {
		diags.AddWarning("Per-Resource Project Not Taken Over",
			fmt.Sprintf("The official Ory provider addressed identity %s through project_slug or project_api_key set on the resource. "+
				"This provider takes the project from the provider block only: if this identity lives in another project than the provider block's, "+
				"declare a second provider block with an alias for that project and set `provider = ory.<alias>` on the resource; otherwise the next refresh does not find the identity "+
				"and plans to create it.", id))
	}
	return diags
}

// stringAttr returns a string attribute of a raw state, "" when null, absent
// or not a string.
func stringAttr(attrs map[string]json.RawMessage, key string) string {
	var s *string
	if err := json.Unmarshal(attrs[key], &s); err != nil || s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}
