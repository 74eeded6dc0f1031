package ory

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNextPageToken(t *testing.T) {
	t.Parallel()
	const (
		first = "00000000-0000-0000-0000-000000000000"
		next  = "9b2f8c1e-3a4d-4e5f-8a6b-7c8d9e0f1a2b"
	)
	cases := []struct {
		name    string
		links   []string // Link header values, one per header line
		want    string
		wantErr string
	}{
		{
			name:  "kratos, relative, first then next",
			links: []string{`</admin/identities?page_size=2&page_token=` + first + `>; rel="first",</admin/identities?page_size=2&page_token=` + next + `>; rel="next"`},
			want:  next,
		},
		{
			name:  "last page has only first",
			links: []string{`</admin/identities?page_size=2&page_token=` + first + `>; rel="first"`},
		},
		{name: "no Link header"},
		{name: "empty Link header", links: []string{""}},
		{
			name:  "absolute URL, next first",
			links: []string{`<https://example.projects.oryapis.com/admin/identities?page_token=` + next + `&page_size=250>; rel="next", <https://example.projects.oryapis.com/admin/identities?page_token=` + first + `&page_size=250>; rel="first"`},
			want:  next,
		},
		{
			name:  "unquoted rel, relation in other case, white space",
			links: []string{` < /admin/identities?page_token=` + next + ` > ;  REL = Next `},
			want:  next,
		},
		{
			name:  "several relations in one rel",
			links: []string{`</admin/identities?page_token=` + next + `>; rel="last next"`},
			want:  next,
		},
		{
			name:  "relation that only starts with next",
			links: []string{`</admin/identities?page_token=` + next + `>; rel="next-archive"`},
		},
		{
			name:  "two Link header lines",
			links: []string{`</admin/identities?page_token=` + first + `>; rel="first"`, `</admin/identities?page_token=` + next + `>; rel="next"`},
			want:  next,
		},
		{
			name:  "percent-encoded token",
			links: []string{`</admin/identities?page_token=k%3Dv%2Fid%3D42&page_size=1>; rel="next"`},
			want:  "k=v/id=42",
		},
		{
			name:  "comma and semicolon inside the target and a quoted parameter",
			links: []string{`</a?x=1,2;3&page_token=t1>; title="one, two; three"; rel="next"`},
			want:  "t1",
		},
		{
			name:  "only the first rel parameter counts",
			links: []string{`</a?page_token=t1>; rel="first"; rel="next", </a?page_token=t2>; rel="next"`},
			want:  "t2",
		},
		{
			name:  "escaped quote in a quoted parameter",
			links: []string{`</a?page_token=t1>; title="say \"hi\", rel=next"; rel="first", </a?page_token=t2>; rel="next"`},
			want:  "t2",
		},
		{
			name:  "junk after a target skips only that link",
			links: []string{`</a?page_token=t1> rel="next", </a?page_token=t2>; rel="next"`},
			want:  "t2",
		},
		{
			name:  "unterminated target",
			links: []string{`</a?page_token=t1; rel="next"`},
		},
		{
			name:    "next without a page token",
			links:   []string{`</admin/identities?page_size=2>; rel="next"`},
			wantErr: "has no page_token",
		},
		{
			name:    "next that is not a URL",
			links:   []string{`<http://[::1/x?page_token=t1>; rel="next"`},
			wantErr: "is not a URL",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, l := range tc.links {
				h.Add("Link", l)
			}
			got, err := nextPageToken(h)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("nextPageToken() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("nextPageToken() error = %v", err)
			}
			if got != tc.want {
				t.Errorf("nextPageToken() = %q, want %q", got, tc.want)
			}
		})
	}
}

// A server that links to the same page again must not keep the provider
// listing forever; Kratos can not be made to do that.
func TestListIdentitiesStopsOnRepeatedPageToken(t *testing.T) {
	t.Parallel()
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", `</admin/identities?page_size=1&page_token=same>; rel="next"`)
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListIdentities(context.Background(), ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("ListIdentities() error = %v, want the repeated page token reported", err)
	}
	if requests != 2 {
		t.Errorf("requests = %d, want 2", requests)
	}
}

func TestListIdentitiesEmptyIDsMatchNothing(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
		http.Error(w, "unexpected", http.StatusInternalServerError)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ListIdentities(context.Background(), ListOptions{IDs: []string{}})
	if err != nil || len(got) != 0 {
		t.Fatalf("ListIdentities(IDs: []) = %v, %v; want no identities and no request", got, err)
	}
	if _, err := c.FindByIdentifier(context.Background(), "  "); err == nil {
		t.Fatal("FindByIdentifier(blank) = nil error, want one: a blank filter would list every identity")
	}
}

// EachIdentity asks for no page after the one where fn said stop, and
// applies the filters the API lacks (schema, state) page by page.
func TestEachIdentityStopsAndFilters(t *testing.T) {
	t.Parallel()
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		n := fmt.Sprint(requests)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", `</admin/identities?page_size=2&page_token=p`+n+`>; rel="next"`)
		_, _ = fmt.Fprintf(w, `[{"id":"a%s","schema_id":"email","state":"active","traits":{}},{"id":"b%s","schema_id":"phone","state":"inactive","traits":{}}]`, n, n)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = c.EachIdentity(context.Background(), ListOptions{SchemaID: "phone", State: "inactive"}, func(i Identity) bool {
		got = append(got, i.ID)
		return len(got) < 2
	})
	if err != nil || strings.Join(got, ",") != "b1,b2" {
		t.Fatalf("EachIdentity() = %v, %v; want b1,b2", got, err)
	}
	if requests != 2 {
		t.Errorf("requests = %d, want 2: no page after the one where fn stopped", requests)
	}
}
