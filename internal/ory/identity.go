package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	client "github.com/ory/client-go"

	"github.com/identity-as-code/terraform-provider-ory/internal/quote"
)

// Identity states.
const (
	StateActive   = "active"
	StateInactive = "inactive"
)

// States lists the identity states the API accepts.
var States = []string{StateActive, StateInactive}

// Verification statuses Kratos gives an address: verified, and not yet.
const (
	StatusCompleted = "completed"
	StatusPending   = "pending"
)

// VerifiableAddress is an address that can be verified (email or phone).
type VerifiableAddress struct {
	Value    string
	Via      string
	Verified bool
	Status   string
}

// Address is a recovery address, or a verifiable one without its
// verification: a value and the channel that reaches it.
type Address struct {
	Value, Via string
}

// Identity is the provider's view of an Ory identity.
type Identity struct {
	ID       string
	SchemaID string
	State    string
	// Traits, MetadataPublic and MetadataAdmin are decoded JSON; metadata is nil when unset.
	Traits              any
	MetadataPublic      any
	MetadataAdmin       any
	VerifiableAddresses []VerifiableAddress
	RecoveryAddresses   []Address
	// ExternalID is Ory Network's link to another system; kept on updates.
	ExternalID *string
	// OrganizationID is the Ory organization (B2B) the identity belongs
	// to, or nil. Kratos sets it at creation only: PUT ignores it.
	OrganizationID *string
	// CreatedAt is when Ory created the identity, by Ory's clock.
	CreatedAt time.Time
	// PasswordFingerprint is a SHA-256 fingerprint of the stored password
	// hash, set only when the identity was read with its password credential
	// and has a hash. It changes whenever the stored credential changes and
	// tells nothing about the password.
	PasswordFingerprint string
	// Identifiers are the values that log in (IdentifierMethods), sorted.
	Identifiers []string
	// OIDCLinks are the identifiers of the OIDC credential, one
	// "provider:subject" per linked account, sorted.
	OIDCLinks []string
}

// VerifiedValues returns the values of the verified addresses.
func (i *Identity) VerifiedValues() []string {
	var out []string
	for _, a := range i.VerifiableAddresses {
		if a.Verified {
			out = append(out, a.Value)
		}
	}
	return out
}

// FindVerifiable returns the verifiable address equal to value, comparing
// without regard to case, as Kratos stores emails in lower case.
func (i *Identity) FindVerifiable(value string) (VerifiableAddress, bool) {
	for _, a := range i.VerifiableAddresses {
		if SameAddress(a.Value, value) {
			return a, true
		}
	}
	return VerifiableAddress{}, false
}

// SameAddress reports whether two address spellings name the same address.
func SameAddress(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// IdentityInput is what Create and Update send.
type IdentityInput struct {
	SchemaID       string
	Traits         map[string]any
	State          string
	MetadataPublic any
	MetadataAdmin  any
	// ExternalID is set, or sent back as it was read so that PUT does not
	// drop it; nil on create sends none (Kratos v1.3.1 refuses the field).
	ExternalID *string
	// OrganizationID is sent at creation only, when set.
	OrganizationID *string
	// VerifiedAddresses are marked verified at creation (Create only).
	VerifiedAddresses []string
}

// CreateIdentity creates an identity. Creates that arrive together are sent
// as one batch (see createBatcher); each caller gets its own identity or its
// own error, as from a single create. When the answer is lost, the identity
// is looked up by its login identifiers before the create is sent again: an
// identity with the same schema and traits, created after the first attempt
// started, is the one this call created (see findCreated).
func (c *Client) CreateIdentity(ctx context.Context, in IdentityInput) (*Identity, error) {
	body := client.CreateIdentityBody{
		SchemaId:       in.SchemaID,
		Traits:         in.Traits,
		MetadataPublic: in.MetadataPublic,
		MetadataAdmin:  in.MetadataAdmin,
		ExternalId:     in.ExternalID,
	}
	if in.OrganizationID != nil {
		body.OrganizationId = *client.NewNullableString(in.OrganizationID)
	}
	if in.State != "" {
		body.State = &in.State
	}
	for _, v := range in.VerifiedAddresses {
		body.VerifiableAddresses = append(body.VerifiableAddresses, client.VerifiableIdentityAddress{
			Value:    v,
			Via:      viaFor(v),
			Verified: true,
			Status:   StatusCompleted,
		})
	}
	started := time.Now()
	var created *Identity
	batched := false
	err := c.write(ctx, writeOp{
		what: "create identity",
		// A resent create that conflicts may conflict with its own first attempt.
		resolveConflictOnResend: true,
		send: func(ctx context.Context) error {
			// The first attempt goes with the creates that arrive with it
			// (createBatcher); a resend goes alone.
			if !batched {
				batched = true
				got, err := c.creates.create(ctx, in, body)
				if !errors.Is(err, errNotBatched) {
					created = got
					return err
				}
			}
			var w wireIdentity
			if _, err := c.do(ctx, http.MethodPost, "/admin/identities", nil, body, &w); err != nil {
				return err
			}
			created = w.identity()
			return nil
		},
		resolve: func(ctx context.Context) (bool, error) {
			found, err := c.findCreated(ctx, in, started)
			created = found
			return found != nil, err
		},
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// UpdateIdentity replaces schema, traits, state and both metadata of an
// identity. Credentials and verification are left as they are. A lost answer
// is resolved by reading the identity: it is sent again only when the
// identity does not hold what was sent.
func (c *Client) UpdateIdentity(ctx context.Context, id string, in IdentityInput) (*Identity, error) {
	var got *Identity
	err := c.write(ctx, writeOp{
		what: "update identity " + id,
		send: func(ctx context.Context) (err error) {
			got, err = c.put(ctx, id, in, nil)
			return err
		},
		resolve: func(ctx context.Context) (bool, error) {
			cur, err := c.GetIdentity(ctx, id)
			if err != nil {
				return false, err
			}
			got = cur
			return cur.Matches(in), nil
		},
	})
	return got, err
}

// InputFromIdentity is what PUT needs to keep an identity as it is.
func InputFromIdentity(i *Identity) IdentityInput {
	traits, _ := i.Traits.(map[string]any)
	return IdentityInput{
		SchemaID:       i.SchemaID,
		Traits:         traits,
		State:          i.State,
		MetadataPublic: i.MetadataPublic,
		MetadataAdmin:  i.MetadataAdmin,
		ExternalID:     i.ExternalID,
	}
}

// put sends PUT /admin/identities/{id} once. Non-nil credentials are
// imported: a password replaces the password credential, OIDC providers are
// linked besides those already linked; credentials of other types are kept.
func (c *Client) put(ctx context.Context, id string, in IdentityInput, credentials *client.IdentityWithCredentials) (*Identity, error) {
	state := in.State
	if state == "" {
		state = StateActive
	}
	body := client.UpdateIdentityBody{
		SchemaId:       in.SchemaID,
		Traits:         in.Traits,
		State:          state,
		MetadataPublic: in.MetadataPublic,
		MetadataAdmin:  in.MetadataAdmin,
		ExternalId:     in.ExternalID,
		Credentials:    credentials,
	}
	var w wireIdentity
	if _, err := c.do(ctx, http.MethodPut, "/admin/identities/"+url.PathEscape(id), nil, body, &w); err != nil {
		return nil, err
	}
	return w.identity(), nil
}

// Matches reports whether the identity holds what in would PUT: PUT would
// change nothing.
func (i *Identity) Matches(in IdentityInput) bool {
	state := in.State
	if state == "" {
		state = StateActive
	}
	return i.SchemaID == in.SchemaID && i.State == state && SameJSON(i.Traits, in.Traits) &&
		SameJSON(i.MetadataPublic, in.MetadataPublic) && SameJSON(i.MetadataAdmin, in.MetadataAdmin) &&
		ptrValue(i.ExternalID) == ptrValue(in.ExternalID)
}

// ptrValue is *p, or "" for nil.
func ptrValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// DeleteIdentity deletes an identity. A missing identity is ErrNotFound,
// unless it is missing because this call deleted it and the answer was lost.
func (c *Client) DeleteIdentity(ctx context.Context, id string) error {
	return c.write(ctx, writeOp{
		what: "delete identity " + id,
		send: func(ctx context.Context) error {
			_, err := c.do(ctx, http.MethodDelete, "/admin/identities/"+url.PathEscape(id), nil, nil, nil)
			return err
		},
		resolve: func(ctx context.Context) (bool, error) {
			_, err := c.GetIdentity(ctx, id)
			if IsNotFound(err) {
				return true, nil
			}
			return false, err
		},
	})
}

// SetVerification marks each address in want verified (true) or not (false)
// on identity current, as just read or written. Addresses are found by value,
// since Kratos does not keep their order. An address the identity does not
// have is an error and nothing is changed. After a lost answer the identity
// is read again and only what is still needed is patched.
func (c *Client) SetVerification(ctx context.Context, current *Identity, want map[string]bool) (*Identity, error) {
	id := current.ID
	got := current
	err := c.write(ctx, writeOp{
		what: "set verification of identity " + id,
		send: func(ctx context.Context) error {
			patch, err := verificationPatch(got, want)
			if err != nil || len(patch) == 0 {
				return err
			}
			var w wireIdentity
			if _, err := c.do(ctx, http.MethodPatch, "/admin/identities/"+url.PathEscape(id), nil, patch, &w); err != nil {
				return err
			}
			got = w.identity()
			return nil
		},
		resolve: func(ctx context.Context) (bool, error) {
			cur, err := c.GetIdentity(ctx, id)
			if err != nil {
				return false, err
			}
			got = cur
			patch, err := verificationPatch(cur, want)
			return len(patch) == 0, err
		},
	})
	return got, err
}

// verificationPatch is the JSON Patch that gives current's addresses the
// verification in want.
func verificationPatch(current *Identity, want map[string]bool) ([]client.JsonPatch, error) {
	var patch []client.JsonPatch
	for _, value := range sortedKeys(want) {
		verified := want[value]
		idx := -1
		for i, a := range current.VerifiableAddresses {
			if SameAddress(a.Value, value) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, &NotVerifiableError{Addresses: []string{value}, SchemaID: current.SchemaID}
		}
		a := current.VerifiableAddresses[idx]
		if a.Verified == verified && (!verified || a.Status == StatusCompleted) {
			continue
		}
		status := StatusPending
		if verified {
			status = StatusCompleted
		}
		patch = append(patch,
			client.JsonPatch{Op: "replace", Path: fmt.Sprintf("/verifiable_addresses/%d/verified", idx), Value: verified},
			client.JsonPatch{Op: "replace", Path: fmt.Sprintf("/verifiable_addresses/%d/status", idx), Value: status},
		)
	}
	return patch, nil
}

// FindByIdentifier returns the identities whose credentials use identifier
// (an email, phone number or username) to log in.
func (c *Client) FindByIdentifier(ctx context.Context, identifier string) ([]Identity, error) {
	// An empty filter would list every identity instead of none.
	if strings.TrimSpace(identifier) == "" {
		return nil, errors.New("the login identifier is empty")
	}
	return c.ListIdentities(ctx, ListOptions{Identifier: identifier})
}

// FindByExternalID returns the identity whose external_id is externalID;
// none is ErrNotFound. Kratos before v25.4.0 has no external ids: an
// *UnsupportedError.
func (c *Client) FindByExternalID(ctx context.Context, externalID string) (*Identity, error) {
	if err := c.ServerVersion(ctx).Require(FeatureExternalID); err != nil {
		return nil, err
	}
	var w wireIdentity
	if _, err := c.do(ctx, http.MethodGet, "/admin/identities/by/external/"+url.PathEscape(externalID), nil, nil, &w); err != nil {
		return nil, err
	}
	return w.identity(), nil
}

// NotVerifiableError says that addresses are not among the identity's
// verifiable addresses, which Kratos derives from traits and schema.
type NotVerifiableError struct {
	Addresses []string
	SchemaID  string
}

func (e *NotVerifiableError) Error() string {
	return fmt.Sprintf("%s not a verifiable address of this identity: schema %q does not mark a trait holding it for verification", quote.Join(e.Addresses, strconv.Quote, ", "), e.SchemaID)
}

// viaFor guesses the channel Kratos derives for an address; Kratos matches
// imported addresses by value and channel.
func viaFor(address string) string {
	if strings.Contains(address, "@") {
		return "email"
	}
	return "sms"
}
