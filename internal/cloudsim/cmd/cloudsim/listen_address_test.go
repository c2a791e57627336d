package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckListenAddress(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8380", "127.0.0.2:0", "localhost:8380", "LOCALHOST:1", "[::1]:8380"} {
		for _, allowRemote := range []bool{false, true} {
			remote, err := checkListenAddress(addr, allowRemote)
			require.NoError(t, err, addr)
			assert.False(t, remote, addr)
		}
	}
	for _, addr := range []string{":8380", "0.0.0.0:8380", "[::]:8380", "192.168.1.10:8380", "cloudsim.internal:8380", "localhost.example.com:8380"} {
		remote, err := checkListenAddress(addr, false)
		require.Error(t, err, addr)
		assert.True(t, remote, addr)
		assert.Contains(t, err.Error(), "not a loopback address", addr)
		assert.Contains(t, err.Error(), "--allow-remote", addr)

		remote, err = checkListenAddress(addr, true)
		require.NoError(t, err, addr)
		assert.True(t, remote, addr)
	}
	for _, addr := range []string{"127.0.0.1", "", "[::1"} {
		_, err := checkListenAddress(addr, true)
		assert.Error(t, err, "%q is no host:port", addr)
	}
}
