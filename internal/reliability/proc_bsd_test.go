//go:build unix && !linux

package reliability

import (
	"os/exec"
	"syscall"
)

// startChild starts cmd in a process group of its own, so that killGroup
// kills everything it may have started.
func startChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}
