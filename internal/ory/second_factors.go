package ory

import (
	"context"
	"net/http"
	"net/url"
	"slices"
)

// Second-factor credential types, as Kratos names them.
const (
	SecondFactorTOTP         = "totp"
	SecondFactorLookupSecret = "lookup_secret"
	SecondFactorWebAuthn     = "webauthn"
)

// SecondFactorMethods lists the second factors an admin can remove, in the
// order they are reset.
var SecondFactorMethods = []string{SecondFactorTOTP, SecondFactorLookupSecret, SecondFactorWebAuthn}

// wireSecondFactors is the part of an identity read with its WebAuthn
// credential that tells which second factors it has. The TOTP and lookup
// secret configurations are never asked for: they hold the secrets.
type wireSecondFactors struct {
	Credentials map[string]struct {
		Config struct {
			Credentials []webauthnKey `json:"credentials"`
		} `json:"config"`
	} `json:"credentials"`
}

// webauthnKey is one key of a WebAuthn credential.
type webauthnKey struct {
	IsPasswordless bool `json:"is_passwordless"`
}

func (k webauthnKey) secondFactor() bool { return !k.IsPasswordless }

// methods returns the second factors present, in SecondFactorMethods order.
// A WebAuthn credential counts only with a key used as a second factor:
// passkeys (passwordless keys) are a first factor, which Kratos keeps.
func (w *wireSecondFactors) methods() []string {
	out := []string{}
	for _, m := range SecondFactorMethods {
		cred, ok := w.Credentials[m]
		if !ok {
			continue
		}
		if m == SecondFactorWebAuthn && !slices.ContainsFunc(cred.Config.Credentials, webauthnKey.secondFactor) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// SecondFactors returns the second factors identity id has enrolled, in
// SecondFactorMethods order. A missing identity is ErrNotFound.
func (c *Client) SecondFactors(ctx context.Context, id string) ([]string, error) {
	var w wireSecondFactors
	q := url.Values{"include_credential": {SecondFactorWebAuthn}}
	if _, err := c.do(ctx, http.MethodGet, "/admin/identities/"+url.PathEscape(id), q, nil, &w); err != nil {
		return nil, err
	}
	return w.methods(), nil
}

// ResetSecondFactors removes the second factors among methods that identity
// id has enrolled, so that it logs in with its first factor alone until its
// person enrols again. It returns the second factors left (those not in
// methods, and passkeys are not counted). Methods the identity has not
// enrolled are not sent: removing an absent credential is a 404 from
// Kratos, as is a missing identity. A 404 to a removal that was sent means
// someone removed it first, unless the identity is gone (ErrNotFound). A
// lost answer is resolved by reading which second factors are left.
func (c *Client) ResetSecondFactors(ctx context.Context, id string, methods []string) ([]string, error) {
	enrolled, err := c.SecondFactors(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, m := range enrolled {
		if !slices.Contains(methods, m) {
			continue
		}
		path := "/admin/identities/" + url.PathEscape(id) + "/credentials/" + url.PathEscape(m)
		gone := func(ctx context.Context) (bool, error) {
			left, err := c.SecondFactors(ctx, id)
			return err == nil && !slices.Contains(left, m), err
		}
		err := c.write(ctx, writeOp{
			what: "remove " + m + " credential of identity " + id,
			send: func(ctx context.Context) error {
				_, err := c.do(ctx, http.MethodDelete, path, nil, nil, nil)
				if IsNotFound(err) {
					// The identity or the credential is gone: find out which.
					if done, rerr := gone(ctx); rerr != nil || done {
						return rerr
					}
				}
				return err
			},
			resolve: gone,
		})
		if err != nil {
			return nil, err
		}
	}
	return c.SecondFactors(ctx, id)
}
