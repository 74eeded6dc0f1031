package ory

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// idsPerRequest bounds the ids filter of one request: every id adds about 40
// bytes to the URL, and proxies in front of Ory Network refuse long URLs.
const idsPerRequest = 100

// ListOptions filters and pages ListIdentities and EachIdentity.
type ListOptions struct {
	// Identifier keeps the identities that log in with it (an email, phone
	// number or username); empty means no filter.
	Identifier string
	// IDs keeps the identities with these UUIDs. Nil means no filter; a
	// non-nil empty slice matches nothing.
	IDs []string
	// SchemaID and State keep the identities with that identity schema and
	// state; empty means no filter. The API has no such filters: they are
	// applied here, page by page.
	SchemaID string
	State    string
	// PageSize is the number of identities asked for per request; 0 means
	// the API's default (250).
	PageSize int64
	// Identifiers reads the identities' credentials too (without secrets
	// beyond the password hash), for their login identifiers: the list API
	// leaves credentials out otherwise.
	Identifiers bool
}

// keeps reports whether i passes the filters the API can not apply.
func (o ListOptions) keeps(i Identity) bool {
	return (o.SchemaID == "" || i.SchemaID == o.SchemaID) && (o.State == "" || i.State == o.State)
}

// ListIdentities returns every identity that matches opts, following the
// pages of the API to the end, sorted by id.
func (c *Client) ListIdentities(ctx context.Context, opts ListOptions) ([]Identity, error) {
	out := []Identity{}
	err := c.EachIdentity(ctx, opts, func(i Identity) bool {
		out = append(out, i)
		return true
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

// EachIdentity calls fn with every identity that matches opts, in the
// order the API returns them, page after page, holding one page at a time.
// It stops asking for pages when fn returns false.
func (c *Client) EachIdentity(ctx context.Context, opts ListOptions, fn func(Identity) bool) error {
	switch {
	case opts.IDs == nil:
		return c.eachPage(ctx, opts, nil, func(i Identity) bool {
			return !opts.keeps(i) || fn(i)
		})
	case opts.Identifier != "":
		// The API documents its filters as not combinable: ask by identifier,
		// which matches few identities, and keep the wanted ids here.
		wanted := map[string]bool{}
		for _, id := range opts.IDs {
			wanted[strings.ToLower(id)] = true
		}
		return c.eachPage(ctx, opts, nil, func(i Identity) bool {
			return !wanted[strings.ToLower(i.ID)] || !opts.keeps(i) || fn(i)
		})
	default:
		ids := unique(opts.IDs)
		seen := map[string]bool{}
		more := true
		for len(ids) > 0 && more {
			n := min(len(ids), idsPerRequest)
			err := c.eachPage(ctx, opts, ids[:n], func(i Identity) bool {
				if seen[i.ID] || !opts.keeps(i) {
					return true
				}
				seen[i.ID] = true
				more = fn(i)
				return more
			})
			if err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	}
}

// eachPage lists one filter, page after page, until the API's Link header
// has no next page or fn returns false.
func (c *Client) eachPage(ctx context.Context, opts ListOptions, ids []string, fn func(Identity) bool) error {
	q := url.Values{}
	if opts.Identifier != "" {
		q.Set("credentials_identifier", opts.Identifier)
	}
	if len(ids) > 0 {
		q["ids"] = ids
	}
	if opts.PageSize > 0 {
		q.Set("page_size", fmt.Sprint(opts.PageSize))
	}
	if opts.Identifiers {
		q.Set("include_credential", "password")
	}
	return eachPageOf(ctx, c, "/admin/identities", "identities", q, func(page []wireIdentity) bool {
		for i := range page {
			if !fn(*page[i].identity()) {
				return false
			}
		}
		return true
	})
}

// eachPageOf GETs path with query q page after page, as the Link header
// leads, and hands each page to fn until there is no next page or fn
// returns false. what names the items in errors.
func eachPageOf[T any](ctx context.Context, c *Client, path, what string, q url.Values, fn func([]T) bool) error {
	tokens := map[string]bool{}
	for {
		var page []T
		header, err := c.do(ctx, http.MethodGet, path, q, nil, &page)
		if err != nil {
			return err
		}
		if !fn(page) {
			return nil
		}
		next, err := nextPageToken(header)
		if err != nil || next == "" {
			return err
		}
		// A server that hands out the same page twice would keep us here forever.
		if tokens[next] {
			return fmt.Errorf("the Ory API returned the page token %q twice while listing %s; stopping instead of looping", next, what)
		}
		tokens[next] = true
		q.Set("page_token", next)
	}
}

// listPage sends one GET /admin/identities with query q and returns its
// identities, and the answer's headers.
func (c *Client) listPage(ctx context.Context, q url.Values) ([]Identity, http.Header, error) {
	var page []wireIdentity
	header, err := c.do(ctx, http.MethodGet, "/admin/identities", q, nil, &page)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Identity, len(page))
	for i := range page {
		out[i] = *page[i].identity()
	}
	return out, header, nil
}

// nextPageToken returns the page_token of the Link header's rel="next"
// target, or "" on the last page. The target may be relative (Kratos) or
// absolute (Ory Network).
func nextPageToken(h http.Header) (string, error) {
	target, ok := linkTarget(h.Values("Link"), "next")
	if !ok {
		return "", nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("the Ory API's next-page link %q is not a URL: %w", target, err)
	}
	token := u.Query().Get("page_token")
	if token == "" {
		return "", fmt.Errorf("the Ory API's next-page link %q has no page_token", target)
	}
	return token, nil
}

// linkTarget returns the target of the first link with relation rel in Link
// header values (RFC 8288): `<target>; rel="next", <target>; rel="first"`.
// Relations compare without regard to case; rel may list several.
func linkTarget(values []string, rel string) (string, bool) {
	for _, v := range values {
		for _, l := range parseLinks(v) {
			for _, r := range strings.Fields(l.params["rel"]) {
				if strings.EqualFold(r, rel) {
					return l.target, true
				}
			}
		}
	}
	return "", false
}

type link struct {
	target string
	params map[string]string
}

// parseLinks parses one Link header value. Commas and semicolons inside
// the <target> or a quoted parameter value do not split; a malformed link
// is skipped up to the next comma.
func parseLinks(s string) []link {
	var out []link
	i := 0
	for i < len(s) {
		// Find the next "<target>".
		start := strings.IndexByte(s[i:], '<')
		if start < 0 {
			break
		}
		i += start + 1
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		l := link{target: strings.TrimSpace(s[i : i+end]), params: map[string]string{}}
		i += end + 1
		malformed := false
		// Parameters up to the comma that ends this link.
		for i < len(s) {
			i = skipSpace(s, i)
			if i >= len(s) {
				break
			}
			if s[i] == ',' {
				i++
				break
			}
			if s[i] != ';' {
				// Junk after the target: drop this link, go on with the next.
				malformed = true
				i = nextComma(s, i)
				break
			}
			i = skipSpace(s, i+1)
			nameEnd := i
			for nameEnd < len(s) && !strings.ContainsRune("=;, \t", rune(s[nameEnd])) {
				nameEnd++
			}
			name := strings.ToLower(s[i:nameEnd])
			i = skipSpace(s, nameEnd)
			value := ""
			if i < len(s) && s[i] == '=' {
				i = skipSpace(s, i+1)
				value, i = paramValue(s, i)
			}
			if _, dup := l.params[name]; name != "" && !dup {
				// RFC 8288: only the first occurrence of rel counts.
				l.params[name] = value
			}
		}
		if !malformed {
			out = append(out, l)
		}
	}
	return out
}

// paramValue reads a token or a quoted string starting at i.
func paramValue(s string, i int) (string, int) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		for i++; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return b.String(), i + 1
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String(), i
	}
	end := i
	for end < len(s) && !strings.ContainsRune(";, \t", rune(s[end])) {
		end++
	}
	return s[i:end], end
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// nextComma returns the index after the next comma outside a quoted string.
func nextComma(s string, i int) int {
	quoted := false
	for ; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ',' && !quoted:
			return i + 1
		}
	}
	return i
}

func unique(ss []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
