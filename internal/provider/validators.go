package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var (
	_ validator.String = durationValidator{}
	_ validator.String = jsonObjectValidator{}
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
