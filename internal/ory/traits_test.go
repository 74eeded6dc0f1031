package ory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A schema that refers to another document is not compiled by loading it
// (not even a file on the machine that runs plan): its traits are left to
// Ory, and the schema says why.
func TestParseSchemaDoesNotLoadReferences(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(secret, []byte(`{"type": "object"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"file://" + secret, "https://schemas.example.com/traits.json"} {
		raw := `{"type": "object", "properties": {"traits": {"$ref": "` + ref + `"}}}`
		s, err := parseSchema("ref", []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Unchecked, ref) {
			t.Errorf("%s: Unchecked = %q, want the reference named", ref, s.Unchecked)
		}
		if err := s.ValidateTraits([]byte(`{"anything": 1}`)); err != nil {
			t.Errorf("%s: ValidateTraits = %v, want nil (left to Ory)", ref, err)
		}
	}
}

func TestInstancePath(t *testing.T) {
	t.Parallel()
	for ptr, want := range map[string]string{
		"#":                  "(the identity)",
		"#/traits":           "traits",
		"#/traits/email":     "traits.email",
		"#/traits/emails/1":  "traits.emails[1]",
		"#/traits/a~1b/c~0d": "traits.a/b.c~d",
	} {
		if got := instancePath(ptr); got != want {
			t.Errorf("instancePath(%q) = %q, want %q", ptr, got, want)
		}
	}
}
