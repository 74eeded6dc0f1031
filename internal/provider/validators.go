package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

var (
	_ validator.String = durationValidator{}
	_ validator.String = jsonObjectValidator{}
	_ validator.String = hashFormatValidator{}
	_ validator.String = uuidValidator{}
)

// durationValidator accepts Go durations greater than zero, such as "30s".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a duration greater than zero, such as `30s` or `2m`"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s %s; got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

// jsonObjectValidator requires a JSON text to hold an object. Invalid JSON
// itself is reported by the jsontypes.Normalized type.
type jsonObjectValidator struct{}

func (jsonObjectValidator) Description(context.Context) string {
	return "must be a JSON object, such as `jsonencode({ email = \"admin@example.com\" })`"
}

func (v jsonObjectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v jsonObjectValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := bytes.TrimSpace([]byte(req.ConfigValue.ValueString()))
	if !json.Valid(raw) {
		return
	}
	if len(raw) == 0 || raw[0] != '{' {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid JSON Object",
			fmt.Sprintf("%s %s; got a JSON %s.", req.Path, v.Description(ctx), jsonKind(raw)))
	}
}

func jsonKind(raw []byte) string {
	switch raw[0] {
	case '[':
		return "array"
	case '"':
		return "string"
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	default:
		return "number"
	}
}

// hashFormatValidator accepts the hash formats Kratos imports. Its errors
// never repeat the value: a hash is a secret too.
type hashFormatValidator struct{}

func (hashFormatValidator) Description(context.Context) string {
	return "must be a password hash in a format Ory imports: " + strings.Join(ory.HashFormatNames(), ", ")
}

func (v hashFormatValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v hashFormatValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !ory.KnownHashFormat(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Unknown Password Hash Format",
			fmt.Sprintf("%s %s (for example $2a$10$... for bcrypt, $argon2id$v=19$m=...,t=...,p=...$salt$hash for argon2id). To set a password in clear text, use password_wo or password instead.", req.Path, v.Description(ctx)))
	}
}

// uuidValidator requires the canonical UUID form Ory uses for identity ids.
type uuidValidator struct{}

func (uuidValidator) Description(context.Context) string {
	return "must be an identity UUID, such as 5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c (usually ory_identity.<name>.id)"
}

func (v uuidValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v uuidValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !isUUID(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Identity ID",
			fmt.Sprintf("%s %s; got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}
