package ory

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Session is one of an identity's sessions, as the admin API lists it.
type Session struct {
	ID     string
	Active bool
	// AAL is the authenticator assurance level: "aal1", or "aal2" after a
	// second factor.
	AAL                                  string
	AuthenticatedAt, IssuedAt, ExpiresAt time.Time
	// Methods are the authentication methods used, such as "password".
	Methods []string
	Devices []Device
}

// Device is a device a session was used from.
type Device struct {
	ID, IPAddress, UserAgent, Location string
}

// wireSession is a session as the API sends it.
type wireSession struct {
	ID                          string    `json:"id"`
	Active                      bool      `json:"active"`
	AuthenticatorAssuranceLevel string    `json:"authenticator_assurance_level"`
	AuthenticatedAt             time.Time `json:"authenticated_at"`
	IssuedAt                    time.Time `json:"issued_at"`
	ExpiresAt                   time.Time `json:"expires_at"`
	AuthenticationMethods       []struct {
		Method string `json:"method"`
	} `json:"authentication_methods"`
	Devices []struct {
		ID        string `json:"id"`
		IPAddress string `json:"ip_address"`
		UserAgent string `json:"user_agent"`
		Location  string `json:"location"`
	} `json:"devices"`
}

func (w wireSession) session() Session {
	s := Session{
		ID: w.ID, Active: w.Active, AAL: w.AuthenticatorAssuranceLevel,
		AuthenticatedAt: w.AuthenticatedAt, IssuedAt: w.IssuedAt, ExpiresAt: w.ExpiresAt,
	}
	for _, m := range w.AuthenticationMethods {
		s.Methods = append(s.Methods, m.Method)
	}
	for _, d := range w.Devices {
		s.Devices = append(s.Devices, Device{ID: d.ID, IPAddress: d.IPAddress, UserAgent: d.UserAgent, Location: d.Location})
	}
	return s
}

// ListSessions returns the sessions of identity id, every page, only the
// active ones when activeOnly.
func (c *Client) ListSessions(ctx context.Context, id string, activeOnly bool) ([]Session, error) {
	out := []Session{}
	q := url.Values{}
	if activeOnly {
		q.Set("active", "true")
	}
	seen := map[string]bool{}
	err := eachPageOf(ctx, c, "/admin/identities/"+url.PathEscape(id)+"/sessions", "sessions", q, func(page []wireSession) bool {
		added := 0
		for _, w := range page {
			if !seen[w.ID] {
				seen[w.ID] = true
				out = append(out, w.session())
				added++
			}
		}
		// Kratos v1.3.1 links to a next page after the last one, with a new
		// token each time: a page without new sessions ends the list.
		return added > 0
	})
	if err != nil {
		return nil, fmt.Errorf("listing the sessions of identity %s: %w", id, err)
	}
	return out, nil
}

// RevokeSessions ends every session of identity id: their tokens and
// cookies are refused from then on, also if the identity is active again.
// An identity without sessions is not an error.
func (c *Client) RevokeSessions(ctx context.Context, id string) error {
	return c.write(ctx, writeOp{
		what: "revoke the sessions of identity " + id,
		send: func(ctx context.Context) error {
			_, err := c.do(ctx, http.MethodDelete, "/admin/identities/"+url.PathEscape(id)+"/sessions", nil, nil, nil)
			if IsNotFound(err) {
				return nil // no sessions (Kratos answers 404 for none)
			}
			return err
		},
		resolve: func(ctx context.Context) (bool, error) {
			active, err := c.ListSessions(ctx, id, true)
			return len(active) == 0, err
		},
	})
}
