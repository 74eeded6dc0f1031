package ory

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"github.com/ory/jsonschema/v3"
)

func init() {
	// The one format Kratos adds to ory/jsonschema's.
	jsonschema.Formats["no-validate"] = func(any) bool { return true }
}

// TraitsError says why traits do not match their identity schema, one
// problem per line, as Kratos would refuse them.
type TraitsError struct {
	SchemaID string
	// Problems are like `traits.phone: "12345" is not valid "tel"`, sorted.
	Problems []string
}

func (e *TraitsError) Error() string {
	return fmt.Sprintf("the traits do not match identity schema %q:\n  %s", e.SchemaID, strings.Join(e.Problems, "\n  "))
}

// ValidateTraits checks traits (a JSON object) as Kratos v1.3.1 does on
// create and update: the schema against {"traits": traits}, with the formats
// of ory/jsonschema, then the checks of Ory's extension. It returns nil or a
// *TraitsError. A schema with Unchecked set accepts everything: Ory decides.
func (s *Schema) ValidateTraits(traits []byte) error {
	if s.validator == nil {
		return nil
	}
	doc, err := jsonschema.DecodeJSON(bytes.NewReader([]byte(`{"traits":` + string(traits) + `}`)))
	if err != nil {
		return &TraitsError{SchemaID: s.ID, Problems: []string{"traits: not JSON: " + err.Error()}}
	}
	problems := map[string]bool{}
	var ve *jsonschema.ValidationError
	if err := s.validator.ValidateInterface(doc); errors.As(err, &ve) {
		for _, p := range leaves(ve) {
			problems[p] = true
		}
	} else if err != nil {
		problems["traits: "+err.Error()] = true
	}
	for _, p := range s.extensionProblems(object(object(doc)["traits"])) {
		problems[p] = true
	}
	if len(problems) == 0 {
		return nil
	}
	return &TraitsError{SchemaID: s.ID, Problems: slices.Sorted(maps.Keys(problems))}
}

// leaves returns the innermost causes of a validation error, each as
// "<trait path>: <message>".
func leaves(ve *jsonschema.ValidationError) []string {
	if len(ve.Causes) == 0 {
		return []string{instancePath(ve.InstancePtr) + ": " + ve.Message}
	}
	var out []string
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// instancePath turns a JSON pointer into the instance, like
// "#/traits/emails/0", into "traits.emails[0]".
func instancePath(ptr string) string {
	var b strings.Builder
	for i, tok := range strings.Split(strings.TrimPrefix(strings.TrimPrefix(ptr, "#"), "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch {
		case tok == "" && i == 0:
			return "(the identity)"
		case isIndex(tok):
			b.WriteString("[" + tok + "]")
		case i > 0:
			b.WriteString("." + tok)
		default:
			b.WriteString(tok)
		}
	}
	return b.String()
}

func isIndex(tok string) bool {
	_, err := strconv.Atoi(tok)
	return err == nil && tok != ""
}

// extensionProblems are the checks Kratos's extension makes beyond the
// JSON schema: a recovery or verification address must be an email (when
// the schema gives no format for a verified one), a code sent by SMS needs
// a valid phone number.
func (s *Schema) extensionProblems(traits map[string]any) []string {
	var out []string
	for _, r := range s.Traits {
		for i, v := range valuesAt(traits, r.Path) {
			at := "traits." + strings.Join(r.Path, ".")
			if i >= 0 {
				at += fmt.Sprintf("[%d]", i)
			}
			str, ok := v.(string)
			if !ok {
				continue
			}
			notEmail := fmt.Sprintf("%s: %q is not valid %q", at, str, "email")
			switch r.RecoveryVia {
			case "", "email":
				if r.RecoveryVia == "email" && !jsonschema.Formats["email"](str) {
					out = append(out, notEmail)
				}
			default:
				out = append(out, fmt.Sprintf("%s: recovery.via has unknown value %q", at, r.RecoveryVia))
			}
			if r.VerificationVia != "" && r.Format == "" {
				if r.VerificationVia == "email" {
					if !jsonschema.Formats["email"](str) {
						out = append(out, notEmail)
					}
				} else {
					out = append(out, at+`: no format specified. A format is required if verification is enabled. If this was intentional, please set "format" to "no-validate"`)
				}
			}
			if slices.Contains(r.Identifier, "code") && r.CodeVia == "sms" {
				if _, err := e164(str); err != nil {
					out = append(out, fmt.Sprintf("%s: %q is not a valid phone number: %v", at, str, err))
				}
			}
		}
	}
	return out
}

// Derived is what Ory derives from traits with this schema, normalised as
// Kratos v1.3.1 stores it; each list sorted.
type Derived struct {
	VerifiableAddresses []Address
	RecoveryAddresses   []Address
	// Identifiers are the values that log in (with a password, a code or a
	// security key).
	Identifiers []string
	// Methods are the credential methods that get at least one identifier.
	Methods []string
}

// Derive computes what Ory derives from traits that ValidateTraits
// accepted.
func (s *Schema) Derive(traits map[string]any) Derived {
	verifiable, recovery, identifiers, methods := map[Address]bool{}, map[Address]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range s.Traits {
		for _, v := range valuesAt(traits, r.Path) {
			str, ok := v.(string)
			if !ok {
				continue
			}
			norm := strings.ToLower(strings.TrimSpace(str))
			if r.VerificationVia != "" {
				verifiable[Address{Value: norm, Via: r.VerificationVia}] = true
			}
			if r.RecoveryVia == "email" {
				recovery[Address{Value: norm, Via: r.RecoveryVia}] = true
			}
			for _, method := range r.Identifier {
				id := norm
				if method == "code" && r.CodeVia == "sms" {
					var err error
					if id, err = e164(str); err != nil {
						continue
					}
				}
				if id != "" {
					identifiers[id] = true
					methods[method] = true
				}
			}
		}
	}
	return Derived{
		VerifiableAddresses: sortedAddresses(verifiable),
		RecoveryAddresses:   sortedAddresses(recovery),
		Identifiers:         slices.Sorted(maps.Keys(identifiers)),
		Methods:             slices.Sorted(maps.Keys(methods)),
	}
}

// valuesAt returns the value at path in traits, or each element when it is
// an array, with its index (-1 for a value that is not in an array).
func valuesAt(traits map[string]any, path []string) map[int]any {
	var v any = traits
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[k]; !ok {
			return nil
		}
	}
	if arr, ok := v.([]any); ok {
		out := make(map[int]any, len(arr))
		for i, e := range arr {
			out[i] = e
		}
		return out
	}
	return map[int]any{-1: v}
}

// e164 is how Kratos stores a phone number that receives codes by SMS.
func e164(s string) (string, error) {
	n, err := phonenumbers.Parse(s, "")
	if err != nil {
		return "", err
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", errors.New("the provided number is not a valid phone number")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func sortedAddresses(set map[Address]bool) []Address {
	out := make([]Address, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Address) int {
		if c := strings.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		return strings.Compare(a.Via, b.Via)
	})
	return out
}
