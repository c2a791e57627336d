package workerapp

import (
	"fmt"
	"net/http"
	"time"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/internal/approval"
	"github.com/vpcflow/vpcflow/internal/notify"
)

// LoadApprovals reads the approval policy file at path (docs/approvals.md):
// its rules, its allowed signers and its webhooks, whose secrets are read
// from the environment or files now. "" is no policy: a change asks
// approval when its input does, unsigned decisions are taken, and nothing
// is notified. A policy that does not load stops the worker before it
// polls: a worker must not run changes under a policy it misread.
func LoadApprovals(path string) (*activities.Approvals, error) {
	if path == "" {
		return nil, nil
	}
	p, err := approval.Load(path)
	if err != nil {
		return nil, fmt.Errorf("approval policy: %w", err)
	}
	n, err := notify.New(p.Notify, &http.Client{Timeout: 15 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("approval policy %s: notify: %w", path, err)
	}
	return &activities.Approvals{Policy: p, Notifier: n}, nil
}
