//go:build unix

package startercli

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without waiting: opening a FIFO
// otherwise blocks until a writer opens it, in the kernel, where Ctrl-C
// does not reach. On a regular file O_NONBLOCK changes nothing.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
