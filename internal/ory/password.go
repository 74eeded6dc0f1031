package ory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	client "github.com/ory/client-go"
)

// credentialsPassword is the credential type of passwords.
const credentialsPassword = "password"

// PasswordInput is a password in clear text or an existing hash; exactly
// one is set.
type PasswordInput struct {
	Password       string
	HashedPassword string
}

// credentials is the credentials object of a PUT that sets p; nil sets none.
func (p *PasswordInput) credentials() *client.IdentityWithCredentials {
	if p == nil {
		return nil
	}
	cfg := client.IdentityWithCredentialsPasswordConfig{}
	if p.HashedPassword != "" {
		cfg.HashedPassword = &p.HashedPassword
	} else {
		cfg.Password = &p.Password
	}
	return &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{Config: &cfg}}
}

// hashFormats are the hash formats Kratos v1.3 imports (hash/hash_comparator.go).
var hashFormats = []struct {
	name string
	re   *regexp.Regexp
}{
	{"bcrypt", regexp.MustCompile(`^\$2[abzy]?\$`)},
	{"argon2id", regexp.MustCompile(`^\$argon2id\$`)},
	{"argon2i", regexp.MustCompile(`^\$argon2i\$`)},
	{"pbkdf2", regexp.MustCompile(`^\$pbkdf2-sha[0-9]{1,3}\$`)},
	{"scrypt", regexp.MustCompile(`^\$scrypt\$`)},
	{"firebase-scrypt", regexp.MustCompile(`^\$firescrypt\$`)},
	{"ssha", regexp.MustCompile(`^\{SSHA(256|512)?\}`)},
	{"sha1/sha256/sha512", regexp.MustCompile(`^\$sha(1|256|512)\$`)},
	{"sha256-crypt", regexp.MustCompile(`^\$sha256-crypt\$`)},
	{"sha512-crypt", regexp.MustCompile(`^\$sha512-crypt\$`)},
	{"md5-crypt", regexp.MustCompile(`^\$md5-crypt\$`)},
	{"md5", regexp.MustCompile(`^\$md5\$`)},
	{"hmac", regexp.MustCompile(`^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$`)},
}

// HashFormatNames lists the accepted hash formats, for documentation and errors.
func HashFormatNames() []string {
	names := make([]string, len(hashFormats))
	for i, f := range hashFormats {
		names[i] = f.name
	}
	return names
}

// KnownHashFormat reports whether Kratos can import hash.
func KnownHashFormat(hash string) bool {
	for _, f := range hashFormats {
		if f.re.MatchString(hash) {
			return true
		}
	}
	return false
}

// SetPassword replaces the password credential of an identity and returns
// the fingerprint of the stored hash.
func (c *Client) SetPassword(ctx context.Context, id string, p PasswordInput) (string, error) {
	after, err := c.setPassword(ctx, id, p)
	if err != nil {
		return "", err
	}
	if after == nil {
		// PUT does not answer with credentials.
		return c.PasswordFingerprint(ctx, id)
	}
	return after.PasswordFingerprint, nil
}

// RemovePassword makes the password of identity id stop working. It
// deletes the credential where Kratos allows it (v25.4.0 and later, unless
// it is the identity's only way to log in), else replaces the password with
// a random secret nobody holds, and reports whether it deleted. A missing
// identity is ErrNotFound.
func (c *Client) RemovePassword(ctx context.Context, id string) (deleted bool, err error) {
	if !c.ServerVersion(ctx).Lacks(FeatureDeletePassword) {
		err := c.deletePassword(ctx, id)
		// A refusal is the last first factor, or a release that lacks the
		// feature and did not say its version.
		if !errors.Is(err, ErrBadRequest) {
			return err == nil, err
		}
	}
	return false, c.scramblePassword(ctx, id)
}

// deletePassword deletes the password credential of identity id; one
// already gone is no error. A lost answer is resolved by reading whether
// the identity still has a password.
func (c *Client) deletePassword(ctx context.Context, id string) error {
	path := "/admin/identities/" + url.PathEscape(id) + "/credentials/" + credentialsPassword
	gone := func(ctx context.Context) (bool, error) {
		fp, err := c.PasswordFingerprint(ctx, id)
		return err == nil && fp == "", err
	}
	return c.write(ctx, writeOp{
		what: "delete password of identity " + id,
		send: func(ctx context.Context) error {
			_, err := c.do(ctx, http.MethodDelete, path, nil, nil, nil)
			if IsNotFound(err) {
				// The identity or its password is gone: find out which.
				if done, rerr := gone(ctx); rerr != nil || done {
					return rerr
				}
			}
			return asLastFirstFactor(err)
		},
		resolve: gone,
	})
}

// scramblePassword replaces the password with a random secret nobody holds,
// so that the password stops working where Kratos can not delete it. A
// missing identity is ErrNotFound.
func (c *Client) scramblePassword(ctx context.Context, id string) error {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	_, err := c.setPassword(ctx, id, PasswordInput{Password: base64.RawURLEncoding.EncodeToString(b)})
	return err
}

// setPassword sends the password. PUT replaces the whole identity, so the
// identity is read right before and sent back unchanged but for the password.
// A lost answer is resolved by reading the credential: when its hash changed
// since the read, the password was set and is not sent again; the identity
// so read is returned (else nil).
func (c *Client) setPassword(ctx context.Context, id string, p PasswordInput) (*Identity, error) {
	before, err := c.GetIdentity(ctx, id)
	if err != nil {
		return nil, err
	}
	in := InputFromIdentity(before)
	var after *Identity
	err = c.write(ctx, writeOp{
		what: "set password of identity " + id,
		send: func(ctx context.Context) error {
			_, err := c.put(ctx, id, in, p.credentials())
			return err
		},
		resolve: func(ctx context.Context) (bool, error) {
			cur, err := c.GetIdentity(ctx, id)
			if err != nil || cur.PasswordFingerprint == before.PasswordFingerprint {
				return false, err
			}
			after = cur
			return true, nil
		},
	})
	return after, err
}

// PasswordFingerprint returns a fingerprint of the stored password hash,
// or "" when the identity has no password. It changes whenever the stored
// credential changes, and tells nothing about the password.
func (c *Client) PasswordFingerprint(ctx context.Context, id string) (string, error) {
	got, err := c.GetIdentity(ctx, id)
	if err != nil {
		return "", err
	}
	return got.PasswordFingerprint, nil
}
