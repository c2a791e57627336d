package cloudsim

import (
	"io"
	"net/http"
	"time"
)

// tengineBadGatewayPage is what Alibaba Cloud's load balancers (Tengine,
// a fork of nginx) answer when the API behind them is down.
const tengineBadGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"

// answerBadGateway answers the call with the load balancer's 502 page if
// the quirk BadGateway has a count left for action, and reports whether it
// did. Nothing else of the request is read: the backend never saw it.
func (s *Server) answerBadGateway(w http.ResponseWriter, cloud, action string) bool {
	s.mu.Lock()
	hit := useCount(s.quirks.cfg.BadGateway, action)
	s.mu.Unlock()
	if !hit {
		return false
	}
	s.record(Call{Time: time.Now(), Cloud: cloud, Action: action, Status: http.StatusBadGateway, Injected: true})
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Server", "Tengine")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, tengineBadGatewayPage)
	return true
}

// alibabaActionInQuery reads Action from the URL query without touching
// the body, which the normal path still has to parse, and without decoding
// the rest of the query, whose bounds are not checked yet. The SDK sends
// every parameter in the query.
func alibabaActionInQuery(r *http.Request) string {
	return firstEncodedValue(r.URL.RawQuery, "Action")
}
