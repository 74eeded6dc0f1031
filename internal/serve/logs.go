package serve

import "os"

// The CLI shows a provider's logs only when TF_LOG or TF_LOG_PROVIDER asks
// for them, but the plugin SDKs write every log line at TRACE, as JSON with
// its source location, unless told a level: a third of the provider's CPU
// in a plan of 1,000 identities, for lines the CLI then drops. When nobody
// asked for logs, tell the SDKs and the provider's own logger to write none.
var logLevelEnv = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_ORY"}

// silenceUnreadLogs reports whether it silenced them.
func silenceUnreadLogs(debug bool) bool {
	if debug || os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return false
	}
	for _, name := range logLevelEnv {
		if os.Getenv(name) == "" {
			_ = os.Setenv(name, "off")
		}
	}
	return true
}
