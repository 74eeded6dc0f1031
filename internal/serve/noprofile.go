//go:build !profile

package serve

// startProfiles writes no profiles: builds without the profile tag (every
// release) leave the profiling hook out.
func startProfiles() (stop func() error, err error) {
	return func() error { return nil }, nil
}
