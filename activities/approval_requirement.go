package activities

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/approval"
	"github.com/vpcflow/vpcflow/internal/notify"
)

// Approvals holds what the approval steps of every change use: the
// worker's approval policy, its notifier, and its own Temporal client (to
// see whether a change's parent is a fleet that was approved). It is
// registered beside CloudActivities.
type Approvals struct {
	// Policy is the deployment's approval policy (nil: none; the input
	// alone asks for approval).
	Policy   *approval.Policy
	Notifier *notify.Notifier
	Temporal client.Client
	// TaskQueue is the worker's: a parent on another task queue is not one
	// of vpcflow's fleets, whatever its type is called.
	TaskQueue string
}

// ApprovalRequirement tells what a change needs before it changes
// anything: the policy's first matching rule, with what its input asks for
// on top. A change started by a NetworkFleet of this task queue whose own
// approval was given is covered by it. A policy the ask cannot satisfy
// (the requester must be named and is not) fails it at once: nothing is
// changed.
func (a *Approvals) ApprovalRequirement(ctx context.Context, ask contract.ApprovalAsk) (contract.ApprovalRequirement, error) {
	req, err := a.Policy.Requirement(ask)
	if err != nil {
		return contract.ApprovalRequirement{}, temporal.NewNonRetryableApplicationError(
			"the approval policy refuses the change: "+err.Error()+"; nothing was changed", contract.InvalidInputType, nil)
	}
	if req.Required && ask.ParentWorkflowId != "" {
		covered, err := a.approvedFleet(ctx, ask.ParentWorkflowId, ask.ParentRunId)
		if err != nil {
			return contract.ApprovalRequirement{}, err
		}
		if covered {
			req = contract.ApprovalRequirement{CoveredBy: ask.ParentWorkflowId, Rejects: 1}
		}
	}
	req.Notify = a.Notifier.Enabled()
	return req, nil
}

// approvedFleet tells whether the workflow that started a change is a
// NetworkFleet on this task queue that is running with its approval
// given: only such a parent's approval covers its changes. Anything else
// (another type, another task queue, a fleet that asked no one) is not an
// approval, and the change asks the policy for itself.
func (a *Approvals) approvedFleet(ctx context.Context, id, runID string) (bool, error) {
	if a.Temporal == nil {
		return false, nil
	}
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, id, runID)
	if err != nil {
		return false, fmt.Errorf("describing the parent workflow %s: %w", id, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetType().GetName() != contract.NetworkFleet.Type || info.GetTaskQueue() != a.TaskQueue ||
		info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return false, nil
	}
	v, err := a.Temporal.QueryWorkflow(ctx, id, runID, contract.ProgressQuery)
	if err != nil {
		return false, fmt.Errorf("asking the parent fleet %s for its approval: %w", id, err)
	}
	var p contract.Progress
	if err := v.Get(&p); err != nil {
		return false, fmt.Errorf("the parent fleet %s's progress: %w", id, err)
	}
	return p.Approval != nil && p.Approval.Approved && p.Approval.Requirement.Required, nil
}
