package cloudsim

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewHTTPServerTimeouts(t *testing.T) {
	hs := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	assert.Equal(t, "127.0.0.1:0", hs.Addr)
	assert.Equal(t, 10*time.Second, hs.ReadHeaderTimeout)
	assert.Equal(t, 30*time.Second, hs.ReadTimeout)
	assert.Equal(t, 2*time.Minute, hs.IdleTimeout)
	// The write deadline runs from the end of the headers: reading the
	// body plus the longest injected latency must fit.
	assert.Greater(t, hs.WriteTimeout, hs.ReadTimeout+maxInjectedLatency)
}

// serveWithShortTimeouts serves srv with NewHTTPServer's server, its read
// timeouts shortened so that the test need not wait 30 s.
func serveWithShortTimeouts(t *testing.T, srv *Server, readTimeout time.Duration) string {
	t.Helper()
	hs := NewHTTPServer("", srv)
	hs.ReadHeaderTimeout, hs.ReadTimeout = readTimeout, readTimeout
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// trickle writes head, then one byte of filler every interval until the
// connection fails or stop is closed.
func trickle(conn net.Conn, head string, interval time.Duration, stop <-chan struct{}) {
	if _, err := io.WriteString(conn, head); err != nil {
		return
	}
	for {
		select {
		case <-stop:
			return
		case <-time.After(interval):
			if _, err := io.WriteString(conn, "a"); err != nil {
				return
			}
		}
	}
}

// TestHTTPServerCutsOffTrickledRequests: a client that sends its body, or
// its headers, a byte at a time does not hold the connection past the
// read timeout.
func TestHTTPServerCutsOffTrickledRequests(t *testing.T) {
	srv, err := New(Options{})
	require.NoError(t, err)
	const readTimeout = 300 * time.Millisecond
	addr := serveWithShortTimeouts(t, srv, readTimeout)

	heads := map[string]string{
		"alibaba body": "POST /?Action=DescribeRouterInterfaces HTTP/1.1\r\nHost: " + addr +
			"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n",
		"huawei body": "GET " + defaultConnsPath + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 100000\r\n\r\n",
		"headers":     "GET /_cloudsim/state HTTP/1.1\r\nHost: " + addr + "\r\nX-Slow: ",
	}
	for name, head := range heads {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer conn.Close()
			stop := make(chan struct{})
			defer close(stop)
			start := time.Now()
			go trickle(conn, head, 20*time.Millisecond, stop)

			require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*readTimeout)))
			r := bufio.NewReader(conn)
			if resp, err := http.ReadResponse(r, nil); err == nil {
				// A body cut off is answered as unreadable, then the
				// connection is closed.
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				_, err = r.ReadByte()
				assert.ErrorIs(t, err, io.EOF, "closed after the answer")
			} else {
				// Headers cut off: closed without an answer.
				var ne net.Error
				assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the server, not the test, must end it: %v", err)
			}
			assert.Less(t, time.Since(start), 5*readTimeout, "cut off near the read timeout")
		})
	}
}
