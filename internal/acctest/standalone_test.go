package acctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteSchemas(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	custom := filepath.Join(src, "custom.json")
	if err := os.WriteFile(custom, []byte(`{"title": "custom"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	invalid := filepath.Join(src, "invalid.json")
	if err := os.WriteFile(invalid, []byte(`{`), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		extra   map[string]string
		want    map[string]string // id to a string its file holds
		wantErr string
	}{
		{name: "built-in only", want: map[string]string{SchemaEmail: "email.json", SchemaPhone: "phone.json", SchemaUsername: "username.json"}},
		{name: "added", extra: map[string]string{"admin": custom}, want: map[string]string{"admin": "custom", SchemaPhone: "phone.json"}},
		{name: "replaces a built-in", extra: map[string]string{SchemaPhone: custom}, want: map[string]string{SchemaPhone: "custom", SchemaEmail: "email.json"}},
		{name: "id that is no file name", extra: map[string]string{"../x y": custom}, want: map[string]string{"../x y": "custom"}},
		{name: "invalid JSON", extra: map[string]string{"bad": invalid}, wantErr: "not valid JSON"},
		{name: "missing file", extra: map[string]string{"gone": filepath.Join(src, "gone.json")}, wantErr: "gone"},
		{name: "empty id", extra: map[string]string{"": custom}, wantErr: "empty schema id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			refs, err := writeSchemas(dir, tc.extra)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range refs {
				p := strings.TrimPrefix(r.URL, "file://")
				if filepath.Dir(p) != filepath.Join(dir, "schemas") {
					t.Errorf("schema %q written to %s, outside %s/schemas", r.ID, p, dir)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				got[r.ID] = string(b)
			}
			if len(got) != len(refs) {
				t.Errorf("duplicate ids in %v", refs)
			}
			for id, want := range tc.want {
				if !strings.Contains(got[id], want) {
					t.Errorf("schema %q = %.60q, want it to hold %q", id, got[id], want)
				}
			}
		})
	}
}
