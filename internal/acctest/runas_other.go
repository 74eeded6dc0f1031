//go:build !unix

package acctest

import "os/exec"

// runAs is needed for root only, which only Unix has (pgOwner never asks
// for it elsewhere).
func runAs(*exec.Cmd, *account) {}
