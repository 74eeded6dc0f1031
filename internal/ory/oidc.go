package ory

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	client "github.com/ory/client-go"
)

// credentialsOIDC is the credential type of social sign-in links.
const credentialsOIDC = "oidc"

// OIDCLink links an identity to a user (subject) of an OIDC provider
// configured in Ory: that user's SSO login lands on the identity.
type OIDCLink struct {
	Provider string
	Subject  string
}

// Identifier is how Ory names the link among an identity's OIDC identifiers
// and in credentials_identifier lookups.
func (l OIDCLink) Identifier() string { return l.Provider + ":" + l.Subject }

// HasOIDCLink reports whether the identity's OIDC credential holds l.
func (i *Identity) HasOIDCLink(l OIDCLink) bool {
	return slices.Contains(i.OIDCLinks, l.Identifier())
}

// LinkedElsewhereError says that an OIDC subject is linked to another
// identity: Ory allows one identity per subject.
type LinkedElsewhereError struct {
	Link OIDCLink
	// IdentityID is the identity the subject is linked to.
	IdentityID string
}

func (e *LinkedElsewhereError) Error() string {
	return fmt.Sprintf("subject %q of OIDC provider %q is already linked to identity %s", e.Link.Subject, e.Link.Provider, e.IdentityID)
}

// Unwrap makes the error ErrConflict.
func (e *LinkedElsewhereError) Unwrap() error { return ErrConflict }

// LinkOIDC links identity id to l, keeping everything else of the identity.
// An identity already linked to l is left as it is. A subject linked to
// another identity is a *LinkedElsewhereError; a missing identity is
// ErrNotFound. Ory accepts any provider id here: one it does not have
// configured never logs anybody in.
func (c *Client) LinkOIDC(ctx context.Context, id string, l OIDCLink) error {
	before, err := c.GetIdentity(ctx, id)
	if err != nil {
		return err
	}
	// Importing a link the identity has is refused as a conflict.
	if before.HasOIDCLink(l) {
		return nil
	}
	in := InputFromIdentity(before)
	creds := &client.IdentityWithCredentials{Oidc: &client.IdentityWithCredentialsOidc{
		Config: &client.IdentityWithCredentialsOidcConfig{
			Providers: []client.IdentityWithCredentialsOidcConfigProvider{{Provider: l.Provider, Subject: l.Subject}},
		},
	}}
	err = c.write(ctx, writeOp{
		what: fmt.Sprintf("link identity %s to %s", id, l.Identifier()),
		// PUT imports links on top of the existing ones, so a resent PUT
		// whose first attempt linked conflicts with it.
		resolveConflictOnResend: true,
		send: func(ctx context.Context) error {
			_, err := c.put(ctx, id, in, creds)
			return err
		},
		resolve: func(ctx context.Context) (bool, error) { return c.linkedTo(ctx, id, l) },
	})
	var elsewhere *LinkedElsewhereError
	switch {
	case errors.As(err, &elsewhere):
		return elsewhere
	case errors.Is(err, ErrConflict):
		// Ory's conflict names nobody: find out who holds the link.
		linked, lerr := c.linkedTo(ctx, id, l)
		if errors.As(lerr, &elsewhere) {
			return elsewhere
		}
		if lerr != nil {
			return fmt.Errorf("%w; looking up the identity linked to %s failed: %w", err, l.Identifier(), lerr)
		}
		if linked {
			// Linked meanwhile, by someone else.
			return nil
		}
	}
	return err
}

// linkedTo reports whether identity id is linked to l. When it is not and
// another identity is, that is a *LinkedElsewhereError.
func (c *Client) linkedTo(ctx context.Context, id string, l OIDCLink) (bool, error) {
	cur, err := c.GetIdentity(ctx, id)
	if err != nil {
		return false, err
	}
	if cur.HasOIDCLink(l) {
		return true, nil
	}
	holder, err := c.OIDCLinkHolder(ctx, l)
	if err == nil && holder != "" && holder != id {
		err = &LinkedElsewhereError{Link: l, IdentityID: holder}
	}
	return false, err
}

// OIDCLinkHolder returns the id of the identity linked to l, or "" when
// none is.
func (c *Client) OIDCLinkHolder(ctx context.Context, l OIDCLink) (string, error) {
	// The lookup matches password, code and security key identifiers too
	// (lower-cased): keep the identity whose OIDC credential holds l.
	found, err := c.FindByIdentifier(ctx, l.Identifier())
	if err != nil {
		return "", err
	}
	for i := range found {
		if found[i].HasOIDCLink(l) {
			return found[i].ID, nil
		}
	}
	return "", nil
}

// UnlinkOIDC removes the link l from identity id. An identity that does not
// exist or is not linked to l is ErrNotFound, unless this call unlinked it
// and the answer was lost. Kratos v25.4.0 and later refuse to remove the
// identity's only way to log in: ErrLastFirstFactor.
func (c *Client) UnlinkOIDC(ctx context.Context, id string, l OIDCLink) error {
	path := "/admin/identities/" + url.PathEscape(id) + "/credentials/" + credentialsOIDC
	return c.write(ctx, writeOp{
		what: fmt.Sprintf("unlink identity %s from %s", id, l.Identifier()),
		send: func(ctx context.Context) error {
			_, err := c.do(ctx, http.MethodDelete, path, url.Values{"identifier": {l.Identifier()}}, nil, nil)
			return asLastFirstFactor(err)
		},
		resolve: func(ctx context.Context) (bool, error) {
			cur, err := c.GetIdentity(ctx, id)
			if IsNotFound(err) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			return !cur.HasOIDCLink(l), nil
		},
	})
}
