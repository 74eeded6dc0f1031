package provider_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/identity-as-code/terraform-provider-ory/internal/provider"
)

// officialTestdata is where the official provider's state files lie.
const officialTestdata = "testdata/official-provider"

// officialInstances returns the ory_identity instances of a state file of the
// official provider, by address (name, or name[index]), as raw JSON.
func officialInstances(t *testing.T, file string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(officialTestdata, file))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				IndexKey   *int            `json:"index_key"`
				Attributes json.RawMessage `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			addr := r.Name
			if in.IndexKey != nil {
				addr += "[" + string(rune('0'+*in.IndexKey)) + "]"
			}
			out[addr] = in.Attributes
		}
	}
	return out
}

// identityServer serves the provider and returns the state type of ory_identity.
func identityServer(t *testing.T) (tfprotov6.ProviderServer, tftypes.Type) {
	t.Helper()
	s, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	sch := schemas.ResourceSchemas["ory_identity"]
	if sch.Version != 1 {
		t.Fatalf("ory_identity is at schema version %d; these tests take version 0 to 1", sch.Version)
	}
	return s, sch.ValueType()
}

// stateAttrs decodes a state value into its attributes, as Go values (nil for
// null).
func stateAttrs(t *testing.T, dv *tfprotov6.DynamicValue, typ tftypes.Type) map[string]any {
	t.Helper()
	if dv == nil {
		t.Fatal("no state returned")
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for k, a := range attrs {
		if a.IsNull() {
			out[k] = nil
			continue
		}
		if a.Type().Is(tftypes.String) {
			var s string
			_ = a.As(&s)
			out[k] = s
			continue
		}
		out[k] = a.String()
	}
	return out
}

func diagSummaries(diags []*tfprotov6.Diagnostic) (errs, warnings []string) {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d.Summary+": "+d.Detail)
		} else {
			warnings = append(warnings, d.Summary+": "+d.Detail)
		}
	}
	return errs, warnings
}

// expectError fails t unless diags hold one error with want in it (none when
// want is ""); it returns the warnings and whether there was an error.
func expectError(t *testing.T, diags []*tfprotov6.Diagnostic, want string) (warnings []string, errored bool) {
	t.Helper()
	errs, warnings := diagSummaries(diags)
	if want != "" && (len(errs) != 1 || !strings.Contains(errs[0], want)) {
		t.Fatalf("errors %v, want one with %q", errs, want)
	}
	if want == "" && len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	return warnings, len(errs) > 0
}

// Every identity the official provider wrote (both shapes) becomes ours with
// the same id, schema, traits, state and metadata (JSON kept as written, so
// numbers beyond 2^53 stay exact); its password never reaches our state, and
// a warning says how to adopt it.
func TestIdentityUpgradeState_official(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"official-4fdc9ef.tfstate", "official-newer-shape.tfstate"} {
		for addr, raw := range officialInstances(t, file) {
			t.Run(file+"/"+addr, func(t *testing.T) {
				t.Parallel()
				s, typ := identityServer(t)
				resp, err := s.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
					TypeName: "ory_identity", Version: 0, RawState: &tfprotov6.RawState{JSON: raw},
				})
				if err != nil {
					t.Fatal(err)
				}
				errs, warnings := diagSummaries(resp.Diagnostics)
				if len(errs) > 0 {
					t.Fatalf("errors: %v", errs)
				}
				var in map[string]*string
				if err := json.Unmarshal(raw, &in); err != nil {
					t.Fatal(err)
				}
				got := stateAttrs(t, resp.UpgradedState, typ)
				for _, k := range []string{"id", "schema_id", "traits", "state", "metadata_public", "metadata_admin"} {
					var want any
					if in[k] != nil {
						want = *in[k]
					}
					if got[k] != want {
						t.Errorf("%s = %v, want %v", k, got[k], want)
					}
				}
				for _, k := range []string{"verified_addresses", "verifiable_addresses", "recovery_addresses", "identifiers"} {
					if got[k] != nil {
						t.Errorf("%s = %v, want null until the refresh", k, got[k])
					}
				}
				for k := range got {
					if strings.Contains(k, "password") || strings.HasPrefix(k, "project_") {
						t.Errorf("our state has the official attribute %s", k)
					}
				}
				hadPassword := in["password"] != nil || in["password_wo_version"] != nil
				if hadPassword != (len(warnings) == 1) {
					t.Errorf("had a password: %v; warnings: %v", hadPassword, warnings)
				}
				for _, w := range warnings {
					if !strings.Contains(w, "Password Left Out of State") || !strings.Contains(w, "ory_identity_password") || !strings.Contains(w, *in["id"]) {
						t.Errorf("the warning does not say how to adopt the password: %s", w)
					}
					if in["password"] != nil && strings.Contains(w, *in["password"]) {
						t.Error("the warning shows the password")
					}
				}
			})
		}
	}
}

// Our own version-0 states pass through unchanged, whatever they hold; a state
// that is neither ours nor the official provider's is refused, not guessed at.
// (The official provider's fixtures are in TestIdentityUpgradeState_official.)
func TestIdentityUpgradeState_ownAndEdgeCases(t *testing.T) {
	t.Parallel()
	own := `{"id":"4d1c5c2e-0f4e-4d43-9a57-4d4b1c1f7a10","schema_id":"email","traits":"{\"email\":\"a@example.com\"}","state":"active",` +
		`"metadata_public":null,"metadata_admin":"{\"n\":9007199254740993}","verified_addresses":["a@example.com"],` +
		`"verifiable_addresses":[{"value":"a@example.com","via":"email","verified":true,"status":"completed"}],` +
		`"recovery_addresses":[{"value":"a@example.com","via":"email"}],"identifiers":["a@example.com"]}`
	cases := []struct {
		name, raw, err, warning string
		want                    string // the state after, when not raw
	}{
		{name: "ours", raw: own},
		{name: "ours before identifiers", raw: strings.Replace(own, `,"identifiers":["a@example.com"]`, "", 1)},
		{name: "official with a per-resource project", raw: `{"id":"x","schema_id":"admin","traits":"{}","state":"active","password":null,"metadata_public":null,"metadata_admin":null,` +
			`"project_slug":"other","project_api_key":"ory_pat_secret","password_wo":null,"password_wo_version":null}`, warning: "Per-Resource Project Not Taken Over"},
		{name: "official with empty metadata", raw: `{"id":"x","schema_id":"admin","traits":"{}","state":"active","password":null,"metadata_public":"","metadata_admin":""}`,
			want: `{"id":"x","schema_id":"admin","traits":"{}","state":"active","metadata_public":null,"metadata_admin":null}`},
		{name: "another provider's", raw: `{"id":"x","schema_id":"admin","traits":"{}","credentials":"{}"}`, err: "neither this provider's nor the official Ory provider's"},
		{name: "not an object", raw: `[]`, err: "not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, typ := identityServer(t)
			resp, err := s.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "ory_identity", Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(tc.raw)},
			})
			if err != nil {
				t.Fatal(err)
			}
			warnings, errored := expectError(t, resp.Diagnostics, tc.err)
			if errored {
				return
			}
			if tc.warning != "" {
				if len(warnings) != 1 || !strings.Contains(warnings[0], tc.warning) || strings.Contains(warnings[0], "ory_pat_secret") {
					t.Fatalf("warnings %v, want one with %q and no key", warnings, tc.warning)
				}
				return
			}
			if len(warnings) > 0 {
				t.Errorf("warnings for our own state: %v", warnings)
			}
			wantRaw := tc.raw
			if tc.want != "" {
				wantRaw = tc.want
			}
			want, err := (&tfprotov6.RawState{JSON: []byte(wantRaw)}).Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			got, err := resp.UpgradedState.Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) {
				t.Errorf("our own state changed:\ngot  %v\nwant %v", got, want)
			}
		})
	}
}

// A moved block from the official provider's ory_identity (from either
// registry) takes its state over like the upgrade does, with the resource
// identity set; other sources are refused.
func TestIdentityMoveState(t *testing.T) {
	t.Parallel()
	admin := officialInstances(t, "official-4fdc9ef.tfstate")["admin"]
	cases := []struct {
		name, provider, typeName string
		version                  int64
		err                      string
	}{
		{name: "terraform registry", provider: "registry.terraform.io/ory/ory", typeName: "ory_identity"},
		{name: "opentofu registry", provider: "registry.opentofu.org/ory/ory", typeName: "ory_identity"},
		{name: "unknown version", provider: "registry.terraform.io/ory/ory", typeName: "ory_identity", version: 1, err: "schema version 1"},
		{name: "another resource type", provider: "registry.terraform.io/ory/ory", typeName: "ory_oauth2_client", err: "does not include support for the given source"},
		{name: "another provider", provider: "registry.terraform.io/example/ory", typeName: "ory_identity", err: "does not include support for the given source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, typ := identityServer(t)
			resp, err := s.MoveResourceState(context.Background(), &tfprotov6.MoveResourceStateRequest{
				SourceProviderAddress: tc.provider, SourceTypeName: tc.typeName, SourceSchemaVersion: tc.version,
				SourceState: &tfprotov6.RawState{JSON: admin}, TargetTypeName: "ory_identity",
			})
			if err != nil {
				t.Fatal(err)
			}
			warnings, errored := expectError(t, resp.Diagnostics, tc.err)
			if errored {
				return
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "Password Left Out of State") {
				t.Errorf("warnings %v, want the one about the password", warnings)
			}
			got := stateAttrs(t, resp.TargetState, typ)
			if got["id"] != "a52f6e17-dc16-4092-a320-658bb7fcfcf9" || got["metadata_admin"] != `{"n":9007199254740993,"ticket":"OPS-1"}` {
				t.Errorf("moved state: %v", got)
			}
			if resp.TargetIdentity == nil {
				t.Fatal("no resource identity")
			}
			identity := stateAttrs(t, resp.TargetIdentity.IdentityData, tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}})
			if identity["id"] != "a52f6e17-dc16-4092-a320-658bb7fcfcf9" {
				t.Errorf("resource identity: %v", identity)
			}
		})
	}
}
