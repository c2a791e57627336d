package devserver

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"
)

// checkPortFree reports, as an error naming the port and its role, whether
// port on ip cannot be listened on right now.
func checkPortFree(ip string, port int, role string) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("devserver: %s port %d on %s is already in use (another Temporal dev server?): %w", role, port, ip, err)
		}
		return fmt.Errorf("devserver: cannot listen on %s port %d on %s: %w", role, port, ip, err)
	}
	return l.Close()
}

// portPicker hands out distinct ports that were free a moment ago.
type portPicker struct {
	ip   string
	used map[int]bool
}

func newPortPicker(ip string, taken ...int) *portPicker {
	p := &portPicker{ip: ip, used: map[int]bool{}}
	for _, port := range taken {
		p.used[port] = true
	}
	return p
}

// pick asks the OS for an ephemeral port on p.ip.
//
// The port is closed again before the server binds it, so another process
// could in principle grab it first. To make that unlikely on Linux, where
// bind(:0) may soon hand the same number out again, the listener accepts one
// loopback connection and closes its end first: the port then sits in
// TIME_WAIT, which keeps bind(:0) elsewhere away from it while an explicit
// bind with SO_REUSEADDR (Go's default on Unix) still succeeds.
func (p *portPicker) pick() (int, error) {
	for range 20 {
		port, err := p.ephemeral()
		if err != nil {
			return 0, err
		}
		if !p.used[port] {
			p.used[port] = true
			return port, nil
		}
	}
	return 0, fmt.Errorf("devserver: could not find a free port on %s", p.ip)
}

func (p *portPicker) ephemeral() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(p.ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: cannot pick a free port on %s: %w", p.ip, err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if runtime.GOOS == "windows" {
		return port, nil
	}
	c, err := net.Dial("tcp", net.JoinHostPort(dialIP(p.ip), strconv.Itoa(port)))
	if err != nil {
		return port, nil // best effort: the port is free anyway
	}
	defer c.Close()
	if s, err := l.Accept(); err == nil {
		_ = s.Close() // server side closes first, so it holds TIME_WAIT
	}
	return port, nil
}

// dialIP returns an address to connect to a listener bound to ip.
func dialIP(ip string) string {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil || !parsed.IsUnspecified():
		return ip
	case parsed.To4() != nil:
		return "127.0.0.1"
	default:
		return "::1"
	}
}

// validPort reports whether port is a usable TCP port number.
func validPort(port int) bool { return port > 0 && port <= 65535 }
