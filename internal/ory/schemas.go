package ory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/ory/jsonschema/v3"

	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

// Schema is an identity schema as Ory serves it, with what the provider
// reads from it: how traits are validated, and what Ory derives from them
// (login identifiers, verifiable and recovery addresses).
type Schema struct {
	ID string
	// Raw is the schema document exactly as Ory serves it.
	Raw json.RawMessage
	// Traits are the traits that carry Ory's extension ("ory.sh/kratos"),
	// sorted by path.
	Traits []TraitRule
	// Unchecked, when not empty, says why traits can not be validated
	// without Ory (the schema refers to other documents); they are then
	// left to Ory.
	Unchecked string
	// Derivable is false when Ory's extension appears where Traits can not
	// follow it (in a definition reached by $ref, beside a $ref, in a
	// combinator): what Ory derives is then known only after apply.
	Derivable bool

	validator *jsonschema.Schema
}

// TraitRule is what Ory's extension says of one trait (or of each string
// of an array trait).
type TraitRule struct {
	// Path is below traits: ["email"], ["name", "login"].
	Path []string
	// Format is the trait's JSON-schema format, such as "email" or "tel".
	Format string
	// Identifier lists the credential methods for which the value is a
	// login identifier: "code", "password", "webauthn".
	Identifier []string
	// CodeVia is the channel of a code identifier: "email" or "sms".
	CodeVia string
	// VerificationVia and RecoveryVia are the channels through which the
	// value is verified and recovers the account, or "".
	VerificationVia, RecoveryVia string
}

// schemaCache holds the schemas read in this run: each is read once,
// however many resources need it at the same time.
type schemaCache struct {
	mu      sync.Mutex
	entries map[string]*schemaEntry
	list    *schemaEntry
}

type schemaEntry struct {
	done    chan struct{}
	schema  *Schema
	schemas []*Schema
	err     error
}

// UnknownSchemaError is returned for a schema id Ory does not have. It
// lists the ids Ory has, when they could be read.
type UnknownSchemaError struct {
	ID    string
	Known []string
	err   error
}

func (e *UnknownSchemaError) Error() string {
	msg := fmt.Sprintf("Ory has no identity schema %q", e.ID)
	if len(e.Known) > 0 {
		msg += "; the schemas it has: " + quote.Join(slices.Sorted(slices.Values(e.Known)), strconv.Quote, ", ")
	}
	return msg
}

func (e *UnknownSchemaError) Unwrap() error { return e.err }

// Schema returns identity schema id, read once per run.
func (c *Client) Schema(ctx context.Context, id string) (*Schema, error) {
	e, first := c.schemas.entry(id)
	if !first {
		return e.wait(ctx)
	}
	defer close(e.done)
	// Kratos's admin API answers with a redirect to its public API, which the
	// HTTP client follows; Ory Network serves it at the project URL.
	var raw json.RawMessage
	if _, err := c.do(ctx, http.MethodGet, "/schemas/"+url.PathEscape(id), nil, nil, &raw); err != nil {
		if errors.Is(err, ErrNotFound) {
			unknown := &UnknownSchemaError{ID: id, err: err}
			if all, lerr := c.Schemas(ctx); lerr == nil {
				for _, s := range all {
					unknown.Known = append(unknown.Known, s.ID)
				}
			}
			err = unknown
		}
		e.err = fmt.Errorf("reading identity schema %q: %w", id, err)
		return nil, e.err
	}
	e.schema, e.err = parseSchema(id, raw)
	return e.schema, e.err
}

// Schemas returns every identity schema Ory has, in Ory's order, read once
// per run.
func (c *Client) Schemas(ctx context.Context) ([]*Schema, error) {
	c.schemas.mu.Lock()
	e := c.schemas.list
	first := e == nil
	if first {
		e = &schemaEntry{done: make(chan struct{})}
		c.schemas.list = e
	}
	c.schemas.mu.Unlock()
	if !first {
		select {
		case <-e.done:
			return e.schemas, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer close(e.done)
	// One page: Kratos v1.3.1 returns too many items on pages after the
	// first, and projects have a handful of schemas.
	var items []struct {
		ID     string          `json:"id"`
		Schema json.RawMessage `json:"schema"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/schemas", url.Values{"per_page": {"1000"}}, nil, &items); err != nil {
		e.err = fmt.Errorf("listing identity schemas: %w", err)
		return nil, e.err
	}
	for _, it := range items {
		s, err := parseSchema(it.ID, it.Schema)
		if err != nil {
			e.err = err
			return nil, err
		}
		e.schemas = append(e.schemas, s)
	}
	return e.schemas, nil
}

// entry returns the cache entry of schema id, and whether the caller is the
// first to ask for it (and must fill it in and close done).
func (sc *schemaCache) entry(id string) (*schemaEntry, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if e, ok := sc.entries[id]; ok {
		return e, false
	}
	if sc.entries == nil {
		sc.entries = map[string]*schemaEntry{}
	}
	e := &schemaEntry{done: make(chan struct{})}
	sc.entries[id] = e
	return e, true
}

func (e *schemaEntry) wait(ctx context.Context) (*Schema, error) {
	select {
	case <-e.done:
		return e.schema, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// parseSchema reads the extension of every trait and compiles the schema
// as Kratos does, refusing to load any other document: a schema that
// refers to one is left unchecked.
func parseSchema(id string, raw json.RawMessage) (*Schema, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("identity schema %q is not a JSON object: %w", id, err)
	}
	rules, visited := traitRules(doc)
	s := &Schema{ID: id, Raw: raw, Traits: rules, Derivable: visited == countKey(doc, extensionKey)}
	if v, err := compileSchema(raw); err != nil {
		s.Unchecked = err.Error()
	} else {
		s.validator = v
	}
	return s, nil
}

// compileSchema compiles a schema document as Kratos does, without loading
// any other document (a file on this machine, a URL).
func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	compiler := jsonschema.NewCompiler()
	compiler.LoadURL = func(_ context.Context, ref string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("the schema refers to %s, which the provider does not load", ref)
	}
	const base = "ory-identity-schema:///schema.json"
	if err := compiler.AddResource(base, bytes.NewReader(raw)); err != nil {
		return nil, err
	}
	return compiler.Compile(context.Background(), base)
}

const extensionKey = "ory.sh/kratos"

// traitRules walks properties.traits and returns the traits that carry
// Ory's extension, themselves or in their array items, and how many
// extensions it read (one beside a $ref, which Kratos ignores, is not read).
func traitRules(doc map[string]any) (rules []TraitRule, visited int) {
	var walk func(props map[string]any, prefix []string)
	walk = func(props map[string]any, prefix []string) {
		for _, name := range sortedKeys(props) {
			prop := object(props[name])
			p := append(append([]string(nil), prefix...), name)
			for _, node := range []map[string]any{prop, object(prop["items"])} {
				if _, ok := node[extensionKey]; !ok || node["$ref"] != nil {
					continue
				}
				visited++
				if r, ok := traitRule(p, node); ok {
					rules = append(rules, r)
				}
			}
			if sub := object(prop["properties"]); sub != nil {
				walk(sub, p)
			}
		}
	}
	walk(object(object(object(doc["properties"])["traits"])["properties"]), nil)
	return rules, visited
}

// countKey counts the objects in v that have key.
func countKey(v any, key string) int {
	n := 0
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t[key]; ok {
			n++
		}
		for _, e := range t {
			n += countKey(e, key)
		}
	case []any:
		for _, e := range t {
			n += countKey(e, key)
		}
	}
	return n
}

func traitRule(path []string, node map[string]any) (TraitRule, bool) {
	ext := object(node[extensionKey])
	if ext == nil {
		return TraitRule{}, false
	}
	r := TraitRule{Path: path}
	r.Format, _ = node["format"].(string)
	creds := object(ext["credentials"])
	for _, method := range sortedKeys(creds) {
		if id, _ := object(creds[method])["identifier"].(bool); id {
			r.Identifier = append(r.Identifier, method)
		}
	}
	r.CodeVia, _ = object(creds["code"])["via"].(string)
	r.VerificationVia, _ = object(ext["verification"])["via"].(string)
	r.RecoveryVia, _ = object(ext["recovery"])["via"].(string)
	return r, len(r.Identifier) > 0 || r.VerificationVia != "" || r.RecoveryVia != ""
}

// loginIdentifiers returns the values in traits that schema schemaID makes
// login identifiers (an identity can be looked up by each of them).
func (c *Client) loginIdentifiers(ctx context.Context, schemaID string, traits map[string]any) ([]string, error) {
	s, err := c.Schema(ctx, schemaID)
	if err != nil {
		return nil, fmt.Errorf("finding the identity's login identifiers: %w", err)
	}
	return identifierValues(traits, s.identifierPaths()), nil
}

// identifierPaths are the paths of the traits that are login identifiers.
func (s *Schema) identifierPaths() [][]string {
	var paths [][]string
	for _, r := range s.Traits {
		if len(r.Identifier) > 0 && !slices.ContainsFunc(paths, func(p []string) bool { return slices.Equal(p, r.Path) }) {
			paths = append(paths, r.Path)
		}
	}
	return paths
}

// object returns v as a JSON object, or nil.
func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
