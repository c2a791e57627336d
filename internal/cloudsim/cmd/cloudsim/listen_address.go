package main

import (
	"fmt"
	"net"
	"strings"
)

// checkListenAddress refuses a --listen address beyond loopback unless
// allowRemote: cloudsim serves the fixture's well-known credentials and an
// admin API that can reset everything, which belong on the developer's
// machine only. It reports whether the address is remote (so that the
// caller warns and requires an admin token).
func checkListenAddress(addr string, allowRemote bool) (remote bool, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--listen %q: %w", addr, err)
	}
	if loopbackListenHost(host) {
		return false, nil
	}
	if !allowRemote {
		return true, fmt.Errorf("--listen %q is not a loopback address: the SDK APIs, with the fixture's well-known "+
			"credentials, and the admin API would be reachable from the network; listen on 127.0.0.1, [::1] or "+
			"localhost, or pass --allow-remote (the admin API then requires --admin-token, or a generated token)", addr)
	}
	return true, nil
}

// loopbackListenHost reports whether host, the host part of a listen
// address, is localhost or a loopback IP address. An empty host means
// every interface; any other name may resolve beyond loopback.
func loopbackListenHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
