package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// privateGetter reads provider private state.
type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// privateSetter writes provider private state.
type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// setPrivateString records value under key, as JSON (private state holds
// JSON only).
func setPrivateString(ctx context.Context, private privateSetter, key, value string, diags *diag.Diagnostics) {
	b, _ := json.Marshal(value)
	diags.Append(private.SetKey(ctx, key, b)...)
}

// privateString returns what setPrivateString recorded under key, or "" when
// nothing was. what names the record in the error of a corrupt one.
func privateString(ctx context.Context, private privateGetter, key, what string) (string, diag.Diagnostics) {
	if private == nil {
		return "", nil
	}
	b, diags := private.GetKey(ctx, key)
	if diags.HasError() || len(b) == 0 {
		return "", diags
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		diags.AddError("Corrupt Private State", "The recorded "+what+" is not readable: "+err.Error()+". This is a bug in the provider; please report it.")
	}
	return s, diags
}
