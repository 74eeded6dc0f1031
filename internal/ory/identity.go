package ory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	client "github.com/ory/client-go"
)

// Identity states.
const (
	StateActive   = "active"
	StateInactive = "inactive"
)

// States lists the identity states the API accepts.
var States = []string{StateActive, StateInactive}

// Verification status Kratos gives a verified address.
const statusCompleted = "completed"

// VerifiableAddress is an address that can be verified (email or phone).
type VerifiableAddress struct {
	Value    string
	Via      string
	Verified bool
	Status   string
}

// RecoveryAddress is an address that can recover the identity.
type RecoveryAddress struct {
	Value string
	Via   string
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
	RecoveryAddresses   []RecoveryAddress
	// ExternalID is Ory Network's link to another system; kept on updates.
	ExternalID *string
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
	// ExternalID is sent back as it was read, so that PUT does not drop it.
	ExternalID *string
	// VerifiedAddresses are marked verified at creation (Create only).
	VerifiedAddresses []string
	// Password, when set, replaces the password credential (Update only).
	Password *PasswordInput
}

// CreateIdentity creates an identity.
func (c *Client) CreateIdentity(ctx context.Context, in IdentityInput) (*Identity, error) {
	body := client.CreateIdentityBody{
		SchemaId:       in.SchemaID,
		Traits:         in.Traits,
		MetadataPublic: in.MetadataPublic,
		MetadataAdmin:  in.MetadataAdmin,
	}
	if in.State != "" {
		body.State = &in.State
	}
	for _, v := range in.VerifiedAddresses {
		body.VerifiableAddresses = append(body.VerifiableAddresses, client.VerifiableIdentityAddress{
			Value:    v,
			Via:      viaFor(v),
			Verified: true,
			Status:   statusCompleted,
		})
	}
	id, resp, err := c.api.IdentityAPI.CreateIdentity(ctx).CreateIdentityBody(body).Execute()
	if err := classify(resp, err); err != nil {
		return nil, err
	}
	return identityFromAPI(id), nil
}

// GetIdentity reads an identity.
func (c *Client) GetIdentity(ctx context.Context, id string) (*Identity, error) {
	got, resp, err := c.api.IdentityAPI.GetIdentity(ctx, id).Execute()
	if err := classify(resp, err); err != nil {
		return nil, err
	}
	return identityFromAPI(got), nil
}

// UpdateIdentity replaces schema, traits, state and both metadata of an
// identity. Credentials and verification are left as they are.
func (c *Client) UpdateIdentity(ctx context.Context, id string, in IdentityInput) (*Identity, error) {
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
		Credentials:    in.credentials(),
	}
	got, resp, err := c.api.IdentityAPI.UpdateIdentity(ctx, id).UpdateIdentityBody(body).Execute()
	if err := classify(resp, err); err != nil {
		return nil, err
	}
	return identityFromAPI(got), nil
}

// DeleteIdentity deletes an identity. A missing identity is ErrNotFound.
func (c *Client) DeleteIdentity(ctx context.Context, id string) error {
	resp, err := c.api.IdentityAPI.DeleteIdentity(ctx, id).Execute()
	return classify(resp, err)
}

// SetVerification marks each address in want verified (true) or not (false).
// Addresses are found by value right before patching, since Kratos does not
// keep their order. An address the identity does not have is an error and
// nothing is changed.
func (c *Client) SetVerification(ctx context.Context, id string, want map[string]bool) (*Identity, error) {
	current, err := c.GetIdentity(ctx, id)
	if err != nil {
		return nil, err
	}
	var patch []client.JsonPatch
	for value, verified := range want {
		idx := -1
		for i, a := range current.VerifiableAddresses {
			if SameAddress(a.Value, value) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, &NotVerifiableError{Address: value, SchemaID: current.SchemaID}
		}
		a := current.VerifiableAddresses[idx]
		if a.Verified == verified && (!verified || a.Status == statusCompleted) {
			continue
		}
		status := "pending"
		if verified {
			status = statusCompleted
		}
		patch = append(patch,
			client.JsonPatch{Op: "replace", Path: fmt.Sprintf("/verifiable_addresses/%d/verified", idx), Value: verified},
			client.JsonPatch{Op: "replace", Path: fmt.Sprintf("/verifiable_addresses/%d/status", idx), Value: status},
		)
	}
	if len(patch) == 0 {
		return current, nil
	}
	got, resp, err := c.api.IdentityAPI.PatchIdentity(ctx, id).JsonPatch(patch).Execute()
	if err := classify(resp, err); err != nil {
		return nil, err
	}
	return identityFromAPI(got), nil
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

// NotVerifiableError says that an address is not among the identity's
// verifiable addresses, which Kratos derives from traits and schema.
type NotVerifiableError struct {
	Address  string
	SchemaID string
}

func (e *NotVerifiableError) Error() string {
	return fmt.Sprintf("%q is not a verifiable address of this identity: schema %q does not mark a trait holding it for verification", e.Address, e.SchemaID)
}

// viaFor guesses the channel Kratos derives for an address; Kratos matches
// imported addresses by value and channel.
func viaFor(address string) string {
	if strings.Contains(address, "@") {
		return "email"
	}
	return "sms"
}

// identityFromAPI maps the client-go model to Identity.
func identityFromAPI(in *client.Identity) *Identity {
	out := &Identity{
		ID:         in.Id,
		SchemaID:   in.SchemaId,
		State:      StateActive,
		Traits:     in.Traits,
		ExternalID: in.ExternalId,
	}
	if in.State != nil {
		out.State = *in.State
	}
	if in.MetadataPublic != nil {
		out.MetadataPublic = in.MetadataPublic
	}
	if in.MetadataAdmin != nil {
		out.MetadataAdmin = in.MetadataAdmin
	}
	for _, a := range in.VerifiableAddresses {
		out.VerifiableAddresses = append(out.VerifiableAddresses, VerifiableAddress{
			Value: a.Value, Via: a.Via, Verified: a.Verified, Status: a.Status,
		})
	}
	for _, a := range in.RecoveryAddresses {
		out.RecoveryAddresses = append(out.RecoveryAddresses, RecoveryAddress{Value: a.Value, Via: a.Via})
	}
	return out
}
