//go:build !unix

package startercli

import "os"

// openNonBlocking opens path for reading; on systems without FIFOs that
// block an open, a plain open.
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
