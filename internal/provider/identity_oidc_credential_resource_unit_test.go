package provider

import (
	"testing"

	"github.com/identity-as-code/terraform-provider-ory/internal/ory"
)

func TestParseOIDCCredentialID(t *testing.T) {
	t.Parallel()
	const id = "5f1c3b8e-6d7a-4a43-9c1e-2b7f0f7b1a2c"
	cases := []struct {
		in      string
		want    ory.OIDCLink
		wantErr bool
	}{
		{in: id + "/google/1234", want: ory.OIDCLink{Provider: "google", Subject: "1234"}},
		// Subjects may hold slashes (and colons); identity and provider ids do not.
		{in: id + "/corp/https://idp.example.com/users/7", want: ory.OIDCLink{Provider: "corp", Subject: "https://idp.example.com/users/7"}},
		{in: "", wantErr: true},
		{in: id, wantErr: true},
		{in: id + "/google", wantErr: true},
		{in: id + "//1234", wantErr: true},
		{in: id + "/google/", wantErr: true},
		{in: "admin/google/1234", wantErr: true},
	}
	for _, tc := range cases {
		gotID, got, err := parseOIDCCredentialID(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parseOIDCCredentialID(%q) = %q, %+v; want an error", tc.in, gotID, got)
			}
			continue
		}
		if err != nil || gotID != id || got != tc.want {
			t.Errorf("parseOIDCCredentialID(%q) = %q, %+v, %v; want %q, %+v", tc.in, gotID, got, err, id, tc.want)
		}
		if back := oidcCredentialID(gotID, got); back != tc.in {
			t.Errorf("oidcCredentialID(parseOIDCCredentialID(%q)) = %q", tc.in, back)
		}
	}
}
