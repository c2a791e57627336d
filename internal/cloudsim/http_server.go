package cloudsim

import (
	"net/http"
	"time"
)

// Timeouts of the http.Server NewHTTPServer returns. Without them a client
// that trickles its headers or body, or never reads its answer, holds a
// connection and a goroutine for as long as it likes.
const (
	// httpReadHeaderTimeout bounds the request line and headers.
	httpReadHeaderTimeout = 10 * time.Second
	// httpReadTimeout bounds the whole request, body included; an SDK
	// request is a few KiB and arrives at once.
	httpReadTimeout = 30 * time.Second
	// httpWriteTimeout runs from the end of the headers to the end of the
	// answer, so it must outlast reading the body plus the longest latency
	// a fault may inject, or a slow answer would be cut off as a lost one.
	httpWriteTimeout = maxInjectedLatency + time.Minute
	// httpIdleTimeout closes kept-alive connections nobody uses.
	httpIdleTimeout = 2 * time.Minute
	// httpMaxHeaderBytes is net/http's default, stated because the
	// Alibaba SDK sends every parameter in the query, which counts here.
	httpMaxHeaderBytes = 1 << 20
)

// NewHTTPServer returns an http.Server for addr and handler (usually a
// *Server, possibly wrapped) with the timeouts a server on a developer's
// machine needs: the headers within 10 s (ReadHeaderTimeout), the whole
// request within 30 s (ReadTimeout: a trickled body is cut off and
// answered as unreadable), the answer within 6 min of the headers
// (WriteTimeout: the longest latency a fault may inject is 5 min) and
// idle keep-alive connections closed after 2 min (IdleTimeout). Serve
// cloudsim with it rather than with a bare http.Server{}, whose zero
// timeouts wait forever; start it with ListenAndServe or Serve, stop it
// with Shutdown.
func NewHTTPServer(addr string, handler http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: httpReadHeaderTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
	}
}
