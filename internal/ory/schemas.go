package ory

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
)

// schemaCache keeps, per identity schema, the trait paths that are login
// identifiers. Schemas are read once per run.
type schemaCache struct {
	mu    sync.Mutex
	paths map[string][][]string
}

// loginIdentifiers returns the values in traits that schema schemaID makes
// login identifiers (an identity can be looked up by each of them).
func (c *Client) loginIdentifiers(ctx context.Context, schemaID string, traits map[string]any) ([]string, error) {
	paths, err := c.identifierPaths(ctx, schemaID)
	if err != nil {
		return nil, fmt.Errorf("reading identity schema %q to find the identity's login identifiers: %w", schemaID, err)
	}
	return identifierValues(traits, paths), nil
}

func (c *Client) identifierPaths(ctx context.Context, schemaID string) ([][]string, error) {
	c.schemas.mu.Lock()
	paths, ok := c.schemas.paths[schemaID]
	c.schemas.mu.Unlock()
	if ok {
		return paths, nil
	}
	// Kratos's admin API answers with a redirect to its public API, which the
	// HTTP client follows.
	var schema map[string]any
	if _, err := c.do(ctx, http.MethodGet, "/schemas/"+url.PathEscape(schemaID), nil, nil, &schema); err != nil {
		return nil, err
	}
	paths = identifierPathsOf(schema)
	c.schemas.mu.Lock()
	defer c.schemas.mu.Unlock()
	if c.schemas.paths == nil {
		c.schemas.paths = map[string][][]string{}
	}
	c.schemas.paths[schemaID] = paths
	return paths, nil
}

// identifierPathsOf returns the paths below traits whose schema carries
// "ory.sh/kratos": {"credentials": {<method>: {"identifier": true}}}, itself
// or in its array items.
func identifierPathsOf(schema map[string]any) [][]string {
	traits := object(object(schema["properties"])["traits"])
	var out [][]string
	var walk func(props map[string]any, prefix []string)
	walk = func(props map[string]any, prefix []string) {
		for _, name := range sortedKeys(props) {
			prop := object(props[name])
			path := append(append([]string(nil), prefix...), name)
			if isIdentifier(prop) || isIdentifier(object(prop["items"])) {
				out = append(out, path)
			}
			if sub := object(prop["properties"]); sub != nil {
				walk(sub, path)
			}
		}
	}
	walk(object(traits["properties"]), nil)
	return out
}

func isIdentifier(prop map[string]any) bool {
	creds := object(object(prop["ory.sh/kratos"])["credentials"])
	for _, method := range creds {
		if id, _ := object(method)["identifier"].(bool); id {
			return true
		}
	}
	return false
}

// object returns v as a JSON object, or nil.
func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
