package workerapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/vpcflow/vpcflow/internal/redact"
)

// unreachable is a client whose health check fails with an error quoting
// what its connection carried.
type unreachable struct{ client.Client }

func (unreachable) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, errors.New("dial tcp 10.0.0.7:7233: connection refused; authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcDEF123456789xyz")
}

// Whoever reaches /healthz learns that Temporal is unreachable, not why;
// the worker's log has why, redacted.
func TestHealthSaysUnavailableWithoutTheError(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(redact.Handler(slog.NewJSONHandler(&logs, nil)))
	url, stop, err := serveHealth("127.0.0.1:0", unreachable{}, logger)
	require.NoError(t, err)
	defer stop()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, map[string]string{"status": "unavailable", "temporal": "unreachable", "taskQueue": "vpcflow"}, body)
	assert.Contains(t, logs.String(), "connection refused")
	assert.NotContains(t, logs.String(), "eyJhbGciOiJIUzI1NiJ9")
}
