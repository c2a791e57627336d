//go:build linux

package reliability

import (
	"os/exec"
	"runtime"
	"syscall"
)

// Children start from one goroutine locked to its OS thread for the life of
// the test binary: PR_SET_PDEATHSIG fires when the thread that started the
// child ends, so that thread must not end before the process does. With it,
// a worker process dies with the test binary even when the binary cannot
// run its clean-ups (a -timeout panic, a SIGKILL).
var spawns = make(chan spawn)

type spawn struct {
	cmd  *exec.Cmd
	done chan error
}

func init() {
	go func() {
		runtime.LockOSThread() // never unlocked
		for s := range spawns {
			s.done <- s.cmd.Start()
		}
	}()
}

// startChild starts cmd in a process group of its own (killGroup kills
// everything it may have started) that is killed if the test binary dies.
func startChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s := spawn{cmd: cmd, done: make(chan error, 1)}
	spawns <- s
	return <-s.done
}
