package ory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Verification is which addresses a write leaves verified.
type Verification struct {
	// Managed makes Addresses exactly the verified addresses: the identity's
	// other verifiable addresses are left unverified. When false,
	// verification stays as Ory keeps it and Addresses is ignored.
	Managed   bool
	Addresses []string
}

// VerificationError says that the identity was written, but setting which of
// its addresses are verified failed: the identity holds the written traits
// with the verification it had.
type VerificationError struct {
	ID  string
	Err error
}

func (e *VerificationError) Error() string {
	return fmt.Sprintf("identity %s was written, but setting which addresses are verified failed: %v", e.ID, e.Err)
}

func (e *VerificationError) Unwrap() error { return e.Err }

// UndoError says that a write was refused part-way (Cause) and that undoing
// its first step failed too (Err): the identity is left half-written.
type UndoError struct {
	ID    string
	Cause error
	Err   error
}

func (e *UndoError) Error() string {
	return fmt.Sprintf("%v; undoing the write of identity %s also failed: %v", e.Cause, e.ID, e.Err)
}

func (e *UndoError) Unwrap() []error { return []error{e.Cause, e.Err} }

// ReadError says that the identity could not be read before a write, so
// nothing was written.
type ReadError struct {
	ID  string
	Err error
}

func (e *ReadError) Error() string { return fmt.Sprintf("reading identity %s failed: %v", e.ID, e.Err) }

func (e *ReadError) Unwrap() error { return e.Err }

// CreateIdentityVerified creates an identity with the verification v, as
// one transaction: addresses are imported verified at creation, any still
// off are patched, and an identity that can not verify what v lists is
// deleted again. It returns what exists afterwards: nil when nothing does,
// the created identity with a *VerificationError or an *UndoError.
func (c *Client) CreateIdentityVerified(ctx context.Context, in IdentityInput, v Verification) (*Identity, error) {
	if v.Managed {
		in.VerifiedAddresses = v.Addresses
	}
	created, err := c.CreateIdentity(ctx, in)
	if err != nil {
		return nil, err
	}
	got, err := c.applyVerification(ctx, created, v)
	var verification *VerificationError
	switch {
	case errors.As(err, &verification):
		return created, err
	case err != nil:
		// Kratos drops imported addresses its schema does not derive from the
		// traits: undo the creation, so that nothing is half-applied.
		if undoErr := c.DeleteIdentity(ctx, created.ID); undoErr != nil && !IsNotFound(undoErr) {
			return created, &UndoError{ID: created.ID, Cause: err, Err: undoErr}
		}
		return nil, err
	}
	return got, nil
}

// UpdateIdentityVerified updates identity id to in with the verification v,
// as one transaction: the identity is read, replaced when it differs from
// in, its verification patched, and its previous traits put back when it can
// not verify what v lists. It returns the identity as it is afterwards: nil
// with a *ReadError or an *UndoError; as written, with its old verification,
// with a *VerificationError; as it was before with any other error.
func (c *Client) UpdateIdentityVerified(ctx context.Context, id string, in IdentityInput, v Verification) (*Identity, error) {
	before, err := c.GetIdentity(ctx, id)
	if err != nil {
		return nil, &ReadError{ID: id, Err: err}
	}
	if in.ExternalID == nil {
		// Not managed: kept as it is.
		in.ExternalID = before.ExternalID
	}
	current := before
	if !before.Matches(in) {
		if current, err = c.UpdateIdentity(ctx, id, in); err != nil {
			return before, err
		}
	}
	got, err := c.applyVerification(ctx, current, v)
	var verification *VerificationError
	switch {
	case errors.As(err, &verification):
		return current, err
	case err != nil:
		if current != before {
			// Put the previous traits back, so that nothing is half-applied.
			restored, undoErr := c.UpdateIdentity(ctx, id, InputFromIdentity(before))
			if undoErr != nil {
				return nil, &UndoError{ID: id, Cause: err, Err: undoErr}
			}
			current = restored
		}
		return current, err
	}
	return got, nil
}

// applyVerification makes exactly v's addresses verified on i, when v is
// managed, and sends nothing when they already are. An address i can not
// verify is a *NotVerifiableError and nothing is sent; a failed patch is a
// *VerificationError.
func (c *Client) applyVerification(ctx context.Context, i *Identity, v Verification) (*Identity, error) {
	if !v.Managed {
		return i, nil
	}
	want := map[string]bool{}
	for _, a := range i.VerifiableAddresses {
		want[a.Value] = false
	}
	var missing []string
	for _, value := range v.Addresses {
		a, ok := i.FindVerifiable(value)
		if !ok {
			missing = append(missing, value)
			continue
		}
		want[a.Value] = true
	}
	if len(missing) > 0 {
		return i, &NotVerifiableError{Addresses: missing, SchemaID: i.SchemaID}
	}
	verified := i.VerifiedValues()
	sort.Strings(verified)
	if slices.Equal(verified, slices.DeleteFunc(sortedKeys(want), func(k string) bool { return !want[k] })) {
		return i, nil
	}
	got, err := c.SetVerification(ctx, i, want)
	if err != nil {
		return got, &VerificationError{ID: i.ID, Err: err}
	}
	return got, nil
}
