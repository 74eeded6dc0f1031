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
		{"hash bcrypt", hashFormatValidator{}, types.StringValue("$2a$10$abcdefghijklmnopqrstuu5Jv7hYJ7E8m8F1U3Kx4pM9vY2Ck2xGe"), ""},
		{"hash argon2id", hashFormatValidator{}, types.StringValue("$argon2id$v=19$m=16384,t=1,p=1$c2FsdA$aGFzaA"), ""},
		{"hash pbkdf2", hashFormatValidator{}, types.StringValue("$pbkdf2-sha256$i=1000,l=32$c2FsdA$aGFzaA"), ""},
		{"hash ssha", hashFormatValidator{}, types.StringValue("{SSHA512}aGFzaA=="), ""},
		{"hash firebase", hashFormatValidator{}, types.StringValue("$firescrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA$c2s$c2s"), ""},
		{"hash clear text", hashFormatValidator{}, types.StringValue("hunter2-by-mistake"), "format Ory imports"},
		{"hash unknown scheme", hashFormatValidator{}, types.StringValue("$yescrypt$j9T$salt$hash"), "format Ory imports"},
		{"uuid ok", uuidValidator{}, types.StringValue("5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"), ""},
		{"uuid email", uuidValidator{}, types.StringValue("admin@example.com"), "must be an identity UUID"},
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

// A rejected hash is a secret too: the error must not repeat it.
func TestHashFormatValidatorKeepsTheSecret(t *testing.T) {
	t.Parallel()
	secret := "not-a-hash-but-a-secret-4711"
	resp := &validator.StringResponse{}
	hashFormatValidator{}.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("hashed_password"), ConfigValue: types.StringValue(secret)}, resp)
	if !resp.Diagnostics.HasError() {
		t.Fatal("no error for a value in no hash format")
	}
	for _, d := range resp.Diagnostics {
		if strings.Contains(d.Summary()+d.Detail(), secret) {
			t.Errorf("the diagnostic repeats the secret: %s", d.Detail())
		}
	}
}
