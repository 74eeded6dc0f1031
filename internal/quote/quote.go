// Package quote writes lists of names into messages and descriptions.
package quote

import (
	"strings"
)

// Code quotes s as Markdown code, for descriptions.
func Code(s string) string { return "`" + s + "`" }

// Join quotes every item with q (strconv.Quote for error texts, Code for
// descriptions) and joins them with sep.
func Join(items []string, q func(string) string, sep string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = q(s)
	}
	return strings.Join(out, sep)
}
