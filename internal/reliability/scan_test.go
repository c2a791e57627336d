package reliability

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// Secrets the package's runs handle. Besides the fixture's, tests register
// the wrong secrets they hand a worker: those must not leak either.
var secrets = struct {
	mu     sync.Mutex
	values []string
}{values: []string{cloudsim.DefaultAccessKeySecret, cloudsim.DefaultHuaweiSK, cloudsim.DefaultReadOnlyAccessKeySecret}}

func addSecret(s string) {
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	if !slices.Contains(secrets.values, s) {
		secrets.values = append(secrets.values, s)
	}
}

func allSecrets() []string {
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	return slices.Clone(secrets.values)
}

// secretForms are the ways a secret can show in text: as it is, and
// base64-encoded (standard and URL alphabets) at each of the three byte
// offsets it may have inside a longer encoded payload, as history JSON
// carries payloads. The encoded forms drop the characters that depend on
// the neighbouring bytes.
func secretForms(secret string) []string {
	forms := []string{secret}
	for pad := range 3 {
		data := append(make([]byte, pad), secret...)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString(data)
			forms = append(forms, s[3:len(s)-4])
		}
	}
	return forms
}

// leaks returns the secrets (by their first four characters) that text
// holds in any form.
func leaks(text string) []string {
	var found []string
	for _, s := range allSecrets() {
		for _, form := range secretForms(s) {
			if strings.Contains(text, form) {
				found = append(found, s[:4]+"...")
				break
			}
		}
	}
	return found
}

// historyJSON reads a workflow's whole history as protojson, the form
// `temporal workflow show --output json` and the Web UI download give.
func historyJSON(ctx context.Context, c client.Client, id, runID string) (string, error) {
	events, err := fullHistory(ctx, c, id, runID)
	if err != nil {
		return "", err
	}
	data, err := protojson.Marshal(&historypb.History{Events: events})
	return string(data), err
}

// assertNoSecretsInHistories reads the history of every workflow run on
// the server c talks to and fails the test for each that holds a secret.
// It returns how many histories it read.
func assertNoSecretsInHistories(ctx context.Context, t *testing.T, c client.Client) int {
	t.Helper()
	scanned := 0
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 500, NextPageToken: token})
		if err != nil {
			t.Fatalf("list workflows: %v", err)
		}
		for _, e := range resp.GetExecutions() {
			id, runID := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			text, err := historyJSON(ctx, c, id, runID)
			if err != nil {
				t.Errorf("history of %s: %v", id, err)
				continue
			}
			scanned++
			if found := leaks(text); len(found) > 0 {
				t.Errorf("the history of %s (run %s) holds secrets %v", id, runID, found)
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return scanned
		}
	}
}
