//go:build unix

package reliability

import (
	"os/exec"
	"syscall"
)

// killGroup sends SIGKILL to the child's process group: no handler runs,
// no graceful stop, like a machine losing power or the OOM killer.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}

// terminate asks the child to stop gracefully (SIGTERM).
func terminate(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
}
