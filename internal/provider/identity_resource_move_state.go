package provider

import (
	"context"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// MoveState takes over, through a `moved` block (Terraform 1.8 and later), an
// ory_identity of the official Ory provider (ory/ory) declared in the same
// configuration under another local name.
func (r *identityResource) MoveState(_ context.Context) []resource.StateMover {
	return []resource.StateMover{{StateMover: moveOfficialIdentity}}
}

func moveOfficialIdentity(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
	// Another source is left alone: the framework then reports that this
	// resource does not move it.
	if req.SourceTypeName != "ory_identity" || !isOfficialProvider(req.SourceProviderAddress) {
		return
	}
	if req.SourceSchemaVersion != 0 {
		resp.Diagnostics.AddError("Unable to Move Identity State",
			"The official Ory provider wrote this ory_identity at schema version "+strconv.FormatInt(req.SourceSchemaVersion, 10)+
				", which this provider does not know (it takes over version 0). Remove it from the state with `terraform state rm` and import the identity by its id instead, then report the version so that it can be supported.")
		return
	}
	resp.Diagnostics.Append(takeOverIdentityState(ctx, req.SourceRawState.JSON, &resp.TargetState)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var id string
	resp.Diagnostics.Append(resp.TargetState.GetAttribute(ctx, path.Root("id"), &id)...)
	setIdentity(ctx, resp.TargetIdentity, "id", id, &resp.Diagnostics)
}

// isOfficialProvider reports whether addr is the official Ory provider, from
// either registry: registry.terraform.io/ory/ory or registry.opentofu.org/ory/ory.
func isOfficialProvider(addr string) bool {
	return strings.HasSuffix(strings.ToLower(addr), "/ory/ory")
}
