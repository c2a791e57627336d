package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// adminTokenFor returns the admin token the server is started with: the
// --admin-token flag if given; else, for a server reachable from the
// network, a fresh random one (generated reports that it must be shown to
// the user, since the admin API would otherwise be open to the network);
// else none, and the admin API answers loopback requests only.
func adminTokenFor(flagValue string, remote bool) (token string, generated bool, err error) {
	if flagValue != "" {
		return flagValue, false, nil
	}
	if !remote {
		return "", false, nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false, fmt.Errorf("generate admin token: %w", err)
	}
	return hex.EncodeToString(b[:]), true, nil
}
