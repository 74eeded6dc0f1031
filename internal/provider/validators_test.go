package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestStringValidators(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		v       validator.String
		value   types.String
		wantErr string
	}{
		{"duration null", durationValidator{}, types.StringNull(), ""},
		{"duration unknown", durationValidator{}, types.StringUnknown(), ""},
		{"duration ok", durationValidator{}, types.StringValue("90s"), ""},
		{"duration no unit", durationValidator{}, types.StringValue("30"), "greater than zero"},
		{"duration zero", durationValidator{}, types.StringValue("0s"), "greater than zero"},
		{"duration negative", durationValidator{}, types.StringValue("-1m"), "greater than zero"},
		{"object null", jsonObjectValidator{}, types.StringNull(), ""},
		{"object unknown", jsonObjectValidator{}, types.StringUnknown(), ""},
		{"object ok", jsonObjectValidator{}, types.StringValue(` {"a": 1}`), ""},
		{"object empty", jsonObjectValidator{}, types.StringValue(`{}`), ""},
		{"array", jsonObjectValidator{}, types.StringValue(`[1]`), "got a JSON array"},
		{"string", jsonObjectValidator{}, types.StringValue(`"x"`), "got a JSON string"},
		{"number", jsonObjectValidator{}, types.StringValue(`12`), "got a JSON number"},
		{"null literal", jsonObjectValidator{}, types.StringValue(`null`), "got a JSON null"},
		// Invalid JSON is the type's to report, once.
		{"invalid JSON", jsonObjectValidator{}, types.StringValue(`{"a":`), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &validator.StringResponse{}
			tc.v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("traits"), ConfigValue: tc.value}, resp)
			if tc.wantErr == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected error: %v", resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() {
				t.Fatalf("no error, want one mentioning %q", tc.wantErr)
			}
			detail := resp.Diagnostics.Errors()[0].Detail()
			if !strings.Contains(detail, tc.wantErr) || !strings.Contains(detail, "traits") {
				t.Errorf("error %q does not name the attribute and %q", detail, tc.wantErr)
			}
		})
	}
}
