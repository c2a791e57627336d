package cloudsim

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
)

// Who may use the admin API. cloudsim runs on a developer's machine, next
// to the web browser, so the admin API must refuse what a web page can
// make the browser send:
//
//   - a cross-origin POST with a "simple" Content-Type (text/plain, a form)
//     that the page cannot read the answer of but that still changes
//     faults or resets the world: every request but GET and HEAD must
//     carry Content-Type application/json, which a page can only send
//     cross-origin after a CORS preflight that cloudsim never grants;
//   - DNS rebinding, where the page's own host name comes to resolve to
//     127.0.0.1 and the page reads the answers: without an admin token, a
//     request must be addressed to a loopback Host, which a rebound name
//     is not.
//
// With an admin token (Options.AdminToken) the server is meant to be
// reached from the network under any name, so the token replaces the Host
// rule: every admin request must carry it as a Bearer credential.

// adminRefusal is why an admin request is refused, with its status.
type adminRefusal struct {
	status int
	reason string
}

// checkAdminAccess returns nil if r may use the admin API.
func (s *Server) checkAdminAccess(r *http.Request) *adminRefusal {
	if s.adminToken != "" {
		if !bearerTokenMatches(r.Header.Get("Authorization"), s.adminToken) {
			return &adminRefusal{http.StatusUnauthorized, "the admin API needs the header Authorization: Bearer <admin token>"}
		}
	} else if !loopbackHost(r.Host) {
		return &adminRefusal{http.StatusForbidden, fmt.Sprintf(
			"the admin API answers only requests addressed to a loopback host (127.0.0.1, [::1] or localhost), not %q; "+
				"a server reachable from the network needs an admin token", truncate(r.Host, 256))}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
			return &adminRefusal{http.StatusUnsupportedMediaType, "a " + r.Method + " to the admin API needs Content-Type application/json"}
		}
	}
	return nil
}

// loopbackHost reports whether a Host header (with or without a port)
// names this machine by a name no other host can be given: localhost or a
// loopback IP address.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearerTokenMatches reports whether the Authorization header carries
// token as a Bearer credential. Both sides are hashed first so that the
// comparison takes the same time whatever was sent, its length included.
func bearerTokenMatches(authorization, token string) bool {
	scheme, credential, ok := strings.Cut(authorization, " ")
	credential = strings.TrimSpace(credential)
	if !ok || !strings.EqualFold(scheme, "Bearer") || credential == "" {
		return false
	}
	got := sha256.Sum256([]byte(credential))
	want := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
