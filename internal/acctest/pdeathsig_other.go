//go:build !linux

package acctest

import "os/exec"

// setPdeathsig is Linux only; elsewhere Stop is the only cleanup.
func setPdeathsig(*exec.Cmd) {}
