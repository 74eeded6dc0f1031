package acctest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	client "github.com/ory/client-go"
)

// OIDCProviderID is the id under which the test Kratos started by Main trusts
// the test OIDC provider: the provider of ory_identity_oidc_credential.
const OIDCProviderID = "test"

// oidcMapper maps the provider's claims to the traits of the default schema
// (email): a login with a subject no identity is linked to registers a new
// identity with the claimed email.
const oidcMapper = `local claims = std.extVar('claims');
{ identity: { traits: { email: claims.email } } }
`

// Query parameters the login helper adds to the provider's authorize URL to
// say whom the provider logs in; the provider strips nothing, Kratos never
// sees them.
const (
	oidcSubjectParam = "acctest_subject"
	oidcEmailParam   = "acctest_email"
)

// OIDCProvider is an OpenID Connect provider on loopback, in the test
// process (github.com/oauth2-proxy/mockoidc). It logs in whoever the
// login helper names, without a login page.
type OIDCProvider struct {
	ID           string
	Issuer       string
	ClientID     string
	ClientSecret string

	mock *mockoidc.MockOIDC
	// queueMu makes queueing a user and the authorize call that takes it
	// one step, so parallel logins do not take each other's user.
	queueMu sync.Mutex
}

// StartOIDCProvider starts an OIDC provider on a free loopback port. Call
// Stop when done.
func StartOIDCProvider() (*OIDCProvider, error) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return nil, fmt.Errorf("oidc provider: %w", err)
	}
	p := &OIDCProvider{ID: OIDCProviderID, mock: m}
	if err := m.AddMiddleware(p.queueUser); err != nil {
		return nil, err
	}
	ln, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	if err := m.Start(ln, nil); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("oidc provider: %w", err)
	}
	cfg := m.Config()
	p.Issuer, p.ClientID, p.ClientSecret = cfg.Issuer, cfg.ClientID, cfg.ClientSecret
	return p, nil
}

// Stop stops the provider.
func (p *OIDCProvider) Stop() {
	if p != nil && p.mock != nil {
		_ = p.mock.Shutdown()
	}
}

// queueUser logs in the user named by the authorize request's acctest
// parameters, when it has them.
func (p *OIDCProvider) queueUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := r.URL.Query().Get(oidcSubjectParam)
		if r.URL.Path != mockoidc.AuthorizationEndpoint || sub == "" {
			next.ServeHTTP(w, r)
			return
		}
		p.queueMu.Lock()
		defer p.queueMu.Unlock()
		p.mock.QueueUser(&mockoidc.MockUser{Subject: sub, Email: r.URL.Query().Get(oidcEmailParam), EmailVerified: true})
		next.ServeHTTP(w, r)
	})
}

// kratosConfig is the selfservice.methods.oidc block of Kratos's
// configuration that trusts p.
func (p *OIDCProvider) kratosConfig() map[string]any {
	return map[string]any{
		"enabled": true,
		"config": map[string]any{"providers": []map[string]any{{
			"id":            p.ID,
			"provider":      "generic",
			"client_id":     p.ClientID,
			"client_secret": p.ClientSecret,
			"issuer_url":    p.Issuer,
			"mapper_url":    "base64://" + base64.StdEncoding.EncodeToString([]byte(oidcMapper)),
			"scope":         []string{"openid", "email"},
		}}},
	}
}

// OIDC is the OIDC provider the test Kratos trusts, or nil when Kratos was
// not started (TF_ACC unset).
func OIDC() *OIDCProvider {
	if k := running(); k != nil {
		return k.oidc
	}
	return nil
}

// LoginOIDC logs in through Kratos's browser login flow with the test OIDC
// provider, as the provider's user subject (with that email claim), and
// returns the id of the identity the session belongs to. A subject no
// identity is linked to registers a new identity with that email and logs
// it in. Errors carry Kratos's messages.
func LoginOIDC(ctx context.Context, subject, email string) (identityID string, err error) {
	k := running()
	if k == nil {
		return "", errNotStarted
	}
	return k.LoginOIDC(ctx, subject, email)
}

// LoginOIDC is the package's LoginOIDC against this Kratos.
func (k *Kratos) LoginOIDC(ctx context.Context, subject, email string) (string, error) {
	if k.oidc == nil {
		return "", errors.New("oidc login: this Kratos trusts no OIDC provider (StartOptions.OIDC)")
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	// Redirects are followed by hand: only to loopback, and the provider's
	// authorize URL gets the user to log in.
	b := &browser{client: &http.Client{
		Timeout:       30 * time.Second,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}

	// 1. The login UI creates a browser flow (and gets the CSRF cookie).
	var flow selfServiceFlow
	if err := b.getFlow(ctx, k.PublicURL+"/self-service/login/browser", &flow); err != nil {
		return "", fmt.Errorf("oidc login: creating flow: %w", err)
	}
	csrf := flow.csrfToken()
	if flow.UI.Action == "" || csrf == "" {
		return "", fmt.Errorf("oidc login: flow %s has no ui.action or csrf_token", flow.ID)
	}

	// 2. The user picks the provider: Kratos sends the browser there.
	to, err := b.submitForRedirect(ctx, flow.UI.Action,
		map[string]string{"method": "oidc", "provider": k.oidc.ID, "csrf_token": csrf})
	if err != nil {
		return "", fmt.Errorf("oidc login: choosing the provider: %w", err)
	}
	authorize, err := url.Parse(to)
	if err != nil {
		return "", fmt.Errorf("oidc login: redirect_browser_to: %w", err)
	}
	if !strings.HasPrefix(authorize.String(), k.oidc.mock.AuthorizationEndpoint()) {
		return "", fmt.Errorf("oidc login: Kratos sent the browser to %s, not to the test provider", authorize.Redacted())
	}
	q := authorize.Query()
	q.Set(oidcSubjectParam, subject)
	q.Set(oidcEmailParam, email)
	authorize.RawQuery = q.Encode()

	// 3. The provider logs the user in and sends the browser back to Kratos's
	// callback, which logs in (or registers) and sends it on with a session
	// cookie.
	if err := b.follow(ctx, authorize.String(), k.PublicURL); err != nil {
		return "", fmt.Errorf("oidc login as subject %q: %w", subject, err)
	}

	// 4. The app asks whose session this is.
	var sess struct {
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	status, answer, err := b.send(ctx, http.MethodGet, k.PublicURL+"/sessions/whoami", nil)
	if err != nil {
		return "", fmt.Errorf("oidc login: whoami: %w", err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("oidc login as subject %q: no session: %w", subject, responseError(status, answer))
	}
	if err := json.Unmarshal(answer, &sess); err != nil || sess.Identity.ID == "" {
		return "", fmt.Errorf("oidc login: whoami: no identity id in %s", truncateBody(answer))
	}
	return sess.Identity.ID, nil
}

// LinkOIDC links identity id to subject at the test provider through the
// admin API, as an admin would outside Terraform: a PUT of the identity as it
// is, with the OIDC credential to import.
func LinkOIDC(ctx context.Context, id, subject string) error {
	c := Client()
	ident, resp, err := c.IdentityAPI.GetIdentity(ctx, id).Execute()
	CloseBody(resp)
	if err != nil {
		return fmt.Errorf("reading identity %s: %w %s", id, err, apiBody(err))
	}
	traits, _ := ident.Traits.(map[string]any)
	body := client.NewUpdateIdentityBody(ident.SchemaId, ident.GetState(), traits)
	body.MetadataPublic, body.MetadataAdmin = ident.MetadataPublic, ident.MetadataAdmin
	body.SetCredentials(client.IdentityWithCredentials{Oidc: &client.IdentityWithCredentialsOidc{
		Config: &client.IdentityWithCredentialsOidcConfig{Providers: []client.IdentityWithCredentialsOidcConfigProvider{
			{Provider: OIDCProviderID, Subject: subject},
		}},
	}})
	_, resp, err = c.IdentityAPI.UpdateIdentity(ctx, id).UpdateIdentityBody(*body).Execute()
	CloseBody(resp)
	if err != nil {
		return fmt.Errorf("linking identity %s to subject %q: %w %s", id, subject, err, apiBody(err))
	}
	return nil
}

// UnlinkOIDC removes the link of identity id to subject at the test
// provider through the admin API.
func UnlinkOIDC(ctx context.Context, id, subject string) error {
	resp, err := Client().IdentityAPI.DeleteIdentityCredentials(ctx, id, "oidc").Identifier(OIDCProviderID + ":" + subject).Execute()
	CloseBody(resp)
	if err != nil {
		return fmt.Errorf("unlinking identity %s from subject %q: %w %s", id, subject, err, apiBody(err))
	}
	return nil
}

// OIDCLinks returns the identifiers of identity id's OIDC links
// ("provider:subject"), as the admin API reports them.
func OIDCLinks(ctx context.Context, id string) ([]string, error) {
	ident, resp, err := Client().IdentityAPI.GetIdentity(ctx, id).Execute()
	CloseBody(resp)
	if err != nil {
		return nil, fmt.Errorf("reading identity %s: %w %s", id, err, apiBody(err))
	}
	return ident.GetCredentials()["oidc"].Identifiers, nil
}

// follow gets u and follows redirects while they stay on loopback, until
// Kratos sends the browser to its return URL (publicURL). A redirect to a
// UI elsewhere (Kratos's default error and login UIs) means the login
// failed: the error or flow it names is read for Kratos's messages.
func (b *browser) follow(ctx context.Context, u, publicURL string) error {
	for range 10 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := b.client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			return fmt.Errorf("GET %s: %w", strings.SplitN(u, "?", 2)[0], responseError(resp.StatusCode, body))
		}
		next, err := resp.Location()
		if err != nil {
			return err
		}
		switch {
		case strings.TrimRight(next.String(), "/") == strings.TrimRight(publicURL, "/"):
			return nil
		case next.Hostname() != "127.0.0.1":
			return b.explain(ctx, next, publicURL)
		}
		u = next.String()
	}
	return errors.New("too many redirects")
}

// explain reads what went wrong from the error or flow a redirect names.
func (b *browser) explain(ctx context.Context, to *url.URL, publicURL string) error {
	var u string
	switch q := to.Query(); {
	case q.Get("id") != "":
		u = publicURL + "/self-service/errors?id=" + url.QueryEscape(q.Get("id"))
	case q.Get("flow") != "" && strings.Contains(to.Path, "registration"):
		u = publicURL + "/self-service/registration/flows?id=" + url.QueryEscape(q.Get("flow"))
	case q.Get("flow") != "":
		u = publicURL + "/self-service/login/flows?id=" + url.QueryEscape(q.Get("flow"))
	default:
		return fmt.Errorf("kratos sent the browser to %s", to.Redacted())
	}
	_, body, err := b.send(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("kratos sent the browser to %s; reading why failed: %w", to.Redacted(), err)
	}
	return fmt.Errorf("kratos sent the browser to %s: %w", to.Redacted(), responseError(http.StatusOK, body))
}

func listenLoopback() (net.Listener, error) {
	return net.Listen("tcp", "127.0.0.1:0")
}

func truncateBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
