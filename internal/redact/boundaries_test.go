package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

type detail struct {
	Message string `json:"Message"`
	BindUid int64  `json:"BindUid"`
}

// Every failure leaving a worker, its causes and its details included.
func TestFailuresAreRedacted(t *testing.T) {
	c := FailureConverter(temporal.GetDefaultFailureConverter())
	inner := errors.New(`Post "http://127.0.0.1:1/?AccessKeyId=` + akID + `&Signature=abc": connection refused`)
	err := temporal.NewApplicationErrorWithCause("read failed: access_key_secret="+secret, "NetworkError", inner,
		detail{Message: "SecurityToken: " + sts, BindUid: 1210123456123456})
	f := c.ErrorToFailure(err)
	text := f.String()
	for _, s := range []string{akID, secret, "NUgYrLnoC37mnZyNjKfrjT8h", "Signature=abc"} {
		assert.NotContains(t, text, s)
	}
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, c.FailureToError(f), &appErr)
	assert.Equal(t, "NetworkError", appErr.Type())
	var d detail
	require.NoError(t, appErr.Details(&d))
	assert.Equal(t, "SecurityToken: "+Redacted, d.Message)
	assert.EqualValues(t, 1210123456123456, d.BindUid, "numbers keep every digit")
	assert.Contains(t, fmt.Sprint(errors.Unwrap(c.FailureToError(f))), "http://127.0.0.1:1/?"+Redacted)
}

func TestLogsAreRedacted(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewJSONHandler(&buf, nil))).With("key", "access_key_secret="+secret)
	log.Info("token="+hwSK, "Error", errors.New("SignatureNonce="+nonce), slog.Group("g", "sk", hwSK), "n", 3)
	out := buf.String()
	for _, s := range []string{secret, hwSK, nonce} {
		assert.NotContains(t, out, s)
	}
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line), out)
	assert.EqualValues(t, 3, line["n"])
}

func TestOutputIsRedacted(t *testing.T) {
	var buf bytes.Buffer
	w := Writer(&buf)
	n, err := fmt.Fprintf(w, "failed: %s\n", "Signature="+sig)
	require.NoError(t, err)
	assert.Equal(t, len("failed: Signature="+sig+"\n"), n, "a writer reports what it was given")
	assert.False(t, strings.Contains(buf.String(), sig))
}
