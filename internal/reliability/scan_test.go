package reliability

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"

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

// secretsEverywhere reads the history of every workflow run on the server
// c talks to and every output captured so far, and returns a line for each
// that holds a secret, and how many of each it read.
func secretsEverywhere(ctx context.Context, c client.Client) (found []string, histories, outputs int, err error) {
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 500, NextPageToken: token})
		if err != nil {
			return found, histories, outputs, fmt.Errorf("list workflows: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			id, runID := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
			text, err := historyJSON(ctx, c, id, runID)
			if err != nil {
				return found, histories, outputs, fmt.Errorf("history of %s: %w", id, err)
			}
			histories++
			if l := leaks(text); len(l) > 0 {
				found = append(found, fmt.Sprintf("the history of %s (run %s) holds secrets %v", id, runID, l))
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	for _, capt := range allCaptures() {
		outputs++
		if l := leaks(capt.String()); len(l) > 0 {
			found = append(found, fmt.Sprintf("the output of %s holds secrets %v", capt.name, l))
		}
	}
	return found, histories, outputs, nil
}
