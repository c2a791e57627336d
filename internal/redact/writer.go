package redact

import "io"

// Writer wraps w so that what is written is redacted first: for a command's
// output, written a message or a document at a time. A secret split across
// two writes would pass; the starter writes whole lines and documents.
func Writer(w io.Writer) io.Writer { return writer{w} }

type writer struct{ w io.Writer }

func (r writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, Secrets(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
