package cloudsim

import "net/http"

// lostResponse reports whether the quirk LostResponses drops the answer
// to this call of action, using up one count if so. Only successes are
// dropped: the point is a client that does not know its write happened.
func (s *Server) lostResponse(action string, status int) bool {
	if status < 200 || status > 299 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return useCount(s.quirks.cfg.LostResponses, action)
}

// dropConnection closes the client's connection without writing a byte
// of the response, as a network that lost the answer would leave it.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 and recorders cannot be hijacked; aborting the handler
		// resets the stream or the connection instead, which the client
		// sees the same way: no answer.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
