package devserver

import (
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The server calls log.Fatal when it cannot bind a port; Start must turn that
// into an error instead of exiting or panicking.
func TestListenFailureIsAnError(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer held.Close()
	heldPort := held.Addr().(*net.TCPAddr).Port

	st, err := resolve(Options{UIPort: -1})
	require.NoError(t, err)
	picker := newPortPicker(st.ip, heldPort)
	for _, p := range []*int{&st.frontendPort, &st.httpPort, &st.matchingPort, &st.workerPort} {
		*p, err = picker.pick()
		require.NoError(t, err)
	}
	st.historyPort = heldPort

	starting := new(atomic.Bool)
	logger := serverLogger{sl: slog.New(slog.DiscardHandler), starting: starting}
	stores, err := prepareDatabase(st, logger)
	require.NoError(t, err)
	opts, err := serverOptions(st, stores, logger)
	require.NoError(t, err)

	srv, err := startTemporal(starting, opts)
	if srv != nil {
		_ = srv.Stop()
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Failed to start gRPC listener")
	assert.Contains(t, err.Error(), strconv.Itoa(heldPort))
	assert.False(t, starting.Load())

	// Nothing else may be left listening.
	for _, port := range []int{st.frontendPort, st.matchingPort, st.workerPort} {
		l, err := net.Listen("tcp", net.JoinHostPort(st.ip, strconv.Itoa(port)))
		require.NoError(t, err, "port %d still in use after a failed start", port)
		l.Close()
	}
}

func TestPortPickerDistinct(t *testing.T) {
	p := newPortPicker("127.0.0.1")
	seen := map[int]bool{}
	for range 10 {
		port, err := p.pick()
		require.NoError(t, err)
		require.True(t, validPort(port))
		require.False(t, seen[port], "port %d picked twice", port)
		seen[port] = true
	}
}

// The dev server authorizes every client: it listens beyond loopback only
// when asked to.
func TestANonLoopbackAddressIsRefusedUnlessAllowed(t *testing.T) {
	for _, ip := range []string{"", "localhost", "127.0.0.1", "::1"} {
		_, err := resolve(Options{IP: ip})
		assert.NoError(t, err, ip)
	}
	for _, ip := range []string{"0.0.0.0", "10.1.2.3", "::"} {
		_, err := resolve(Options{IP: ip})
		require.Error(t, err, ip)
		assert.Contains(t, err.Error(), "not a loopback address")
		assert.Contains(t, err.Error(), "AllowRemote")
		_, err = resolve(Options{IP: ip, AllowRemote: true})
		assert.NoError(t, err, ip)
	}
}
