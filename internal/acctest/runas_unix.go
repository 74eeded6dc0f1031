//go:build unix

package acctest

import (
	"os/exec"
	"syscall"
)

// runAs makes cmd run as a, without root's supplementary groups.
func runAs(cmd *exec.Cmd, a *account) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
}
