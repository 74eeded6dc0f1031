package acctest

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// TestKillRestart proves, on each database, that a Kratos killed like a crash
// comes back on the same URLs with its identities and passwords, and that Stop
// still cleans everything up afterwards.
func TestKillRestart(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	for _, db := range []string{DatabaseSQLite, DatabasePostgres} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			start := time.Now()
			k := StartForTest(t, StartOptions{Database: db})
			t.Logf("Kratos on %s ready in %s", k.Database, time.Since(start).Round(time.Millisecond))
			if k.Database != db {
				t.Fatalf("Database = %q, want %q", k.Database, db)
			}

			email, password := RandomEmail(), RandomPassword()
			body := client.NewCreateIdentityBody(SchemaEmail, map[string]any{"email": email})
			body.SetCredentials(client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
				Config: &client.IdentityWithCredentialsPasswordConfig{Password: &password},
			}})
			created, _, err := k.Client().IdentityAPI.CreateIdentity(ctx).CreateIdentityBody(*body).Execute()
			if err != nil {
				t.Fatalf("CreateIdentity: %v %s", err, apiBody(err))
			}

			adminURL, publicURL := k.AdminURL, k.PublicURL
			if err := k.Kill(); err != nil {
				t.Fatalf("Kill: %v", err)
			}
			if resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(adminURL + "/health/alive"); err == nil {
				_ = resp.Body.Close()
				t.Fatalf("admin API still answers after Kill: HTTP %d", resp.StatusCode)
			}

			if err := k.Restart(ctx); err != nil {
				t.Fatalf("Restart: %v", err)
			}
			if k.AdminURL != adminURL || k.PublicURL != publicURL {
				t.Errorf("URLs after Restart = %s, %s; want %s, %s", k.AdminURL, k.PublicURL, adminURL, publicURL)
			}
			got, _, err := k.Client().IdentityAPI.GetIdentity(ctx, created.Id).Execute()
			if err != nil {
				t.Fatalf("GetIdentity after Restart: %v %s", err, apiBody(err))
			}
			if traits, _ := got.Traits.(map[string]any); traits["email"] != email {
				t.Errorf("traits after Restart = %v, want email %s", got.Traits, email)
			}
			token, err := k.Login(ctx, email, password)
			if err != nil {
				t.Fatalf("Login after Restart: %v", err)
			}
			if id, err := k.WhoAmI(ctx, token); err != nil || id != created.Id {
				t.Errorf("WhoAmI after Restart = %q, %v; want %s", id, err, created.Id)
			}
			if err := k.Restart(ctx); err == nil || !strings.Contains(err.Error(), "still running") {
				t.Errorf("Restart of a running Kratos: err = %v, want one saying it is still running", err)
			}

			k.Stop()
			if _, err := os.Stat(k.dir); !os.IsNotExist(err) {
				t.Errorf("Kratos directory after Stop: %v, want it removed", err)
			}
			if k.pg != nil {
				if !k.pg.proc.exited() {
					t.Error("PostgreSQL still runs after Stop")
				}
				if _, err := os.Stat(k.pg.dir); !os.IsNotExist(err) {
					t.Errorf("PostgreSQL directory after Stop: %v, want it removed", err)
				}
			}
			if err := k.Kill(); err == nil {
				t.Error("Kill after Stop succeeded")
			}
		})
	}
}

func TestStartOptionsDatabase(t *testing.T) {
	cases := []struct {
		opt, env, want, wantErr string
	}{
		{want: DatabaseSQLite},
		{env: DatabasePostgres, want: DatabasePostgres},
		{opt: DatabaseSQLite, env: DatabasePostgres, want: DatabaseSQLite},
		{opt: DatabasePostgres, want: DatabasePostgres},
		{env: "mysql", wantErr: `ACCTEST_KRATOS_DB="mysql"`},
		{opt: "pg", wantErr: `StartOptions.Database="pg"`},
	}
	for _, tc := range cases {
		t.Setenv(databaseEnv, tc.env)
		got, err := StartOptions{Database: tc.opt}.database()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("database(opt %q, env %q): err = %v, want %s", tc.opt, tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("database(opt %q, env %q) = %q, %v; want %q", tc.opt, tc.env, got, err, tc.want)
		}
	}
}
