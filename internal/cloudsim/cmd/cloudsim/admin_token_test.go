package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdminTokenFor(t *testing.T) {
	token, generated, err := adminTokenFor("given", true)
	require.NoError(t, err)
	assert.Equal(t, "given", token)
	assert.False(t, generated)

	token, generated, err = adminTokenFor("given", false)
	require.NoError(t, err)
	assert.Equal(t, "given", token, "a token may guard a loopback server too")
	assert.False(t, generated)

	token, generated, err = adminTokenFor("", false)
	require.NoError(t, err)
	assert.Empty(t, token, "loopback: the Host rule guards the admin API")
	assert.False(t, generated)

	first, generated, err := adminTokenFor("", true)
	require.NoError(t, err)
	assert.True(t, generated)
	assert.Regexp(t, `^[0-9a-f]{64}$`, first)
	second, _, err := adminTokenFor("", true)
	require.NoError(t, err)
	assert.NotEqual(t, first, second)
}
