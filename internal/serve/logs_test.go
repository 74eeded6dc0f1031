package serve

import (
	"os"
	"testing"
)

func TestSilenceUnreadLogs(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		debug bool
		want  map[string]string // "" means left unset
	}{
		{"nobody reads logs", nil, false, map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off", "TF_LOG_PROVIDER_ORY": "off"}},
		{"TF_LOG asks for them", map[string]string{"TF_LOG": "DEBUG"}, false, map[string]string{"TF_LOG_SDK": "", "TF_LOG_PROVIDER_ORY": ""}},
		{"TF_LOG_PROVIDER asks for them", map[string]string{"TF_LOG_PROVIDER": "TRACE"}, false, map[string]string{"TF_LOG_SDK_FRAMEWORK": "", "TF_LOG_PROVIDER_ORY": ""}},
		{"debug mode", nil, true, map[string]string{"TF_LOG_SDK": "", "TF_LOG_PROVIDER_ORY": ""}},
		{"a level the user set is kept", map[string]string{"TF_LOG_SDK_PROTO": "info"}, false, map[string]string{"TF_LOG_SDK_PROTO": "info", "TF_LOG_SDK": "off"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range append([]string{"TF_LOG", "TF_LOG_PROVIDER"}, logLevelEnv...) {
				t.Setenv(name, tc.env[name])
				if tc.env[name] == "" {
					_ = os.Unsetenv(name)
				}
			}
			quiet := silenceUnreadLogs(tc.debug)
			if wantQuiet := tc.want["TF_LOG_SDK"] == "off"; quiet != wantQuiet {
				t.Errorf("silenced = %v, want %v", quiet, wantQuiet)
			}
			for name, want := range tc.want {
				if got := os.Getenv(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}
