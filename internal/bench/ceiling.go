package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/vpcflow/vpcflow/contract"
)

// The engine's ceiling: a workflow that runs a chain of activities that do
// nothing, with the same activity options as vpcflow's cloud calls
// (workflows/options.go). The number of activities is counted in a real
// NetworkChange history, so the chain asks of Temporal what NetworkChange
// asks, minus vpcflow's own work: the cloud calls, the waits' pauses, the
// search attribute upserts and the progress bookkeeping.
const (
	chainWorkflowType = "BenchNoopChain"
	noopActivityType  = "BenchNoop"
)

// ChainInput lists the steps: 'a' runs an activity, 'l' a local activity,
// 'u' upserts the VpcFlowStage search attribute (as NetworkChange does when
// its stage changes).
type ChainInput struct {
	Steps string `json:"Steps"`
}

func registerChain(w worker.Registry) {
	w.RegisterWorkflowWithOptions(chainWorkflow, workflow.RegisterOptions{Name: chainWorkflowType})
	w.RegisterActivityWithOptions(noopActivity, activity.RegisterOptions{Name: noopActivityType})
}

func chainWorkflow(ctx workflow.Context, in ChainInput) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	})
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	})
	done := 0
	for i, step := range in.Steps {
		var out noopResult
		var err error
		if step == 'u' {
			if err := workflow.UpsertTypedSearchAttributes(ctx, contract.VpcFlowStageKey.ValueSet(fmt.Sprint("step-", i))); err != nil {
				return done, err
			}
			continue
		}
		if step == 'l' {
			err = workflow.ExecuteLocalActivity(lctx, noopActivityType, i).Get(ctx, &out)
		} else {
			err = workflow.ExecuteActivity(actx, noopActivityType, i).Get(ctx, &out)
		}
		if err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

type noopResult struct {
	Step int `json:"Step"`
}

func noopActivity(_ context.Context, step int) (noopResult, error) {
	return noopResult{Step: step}, nil
}

func chainSteps(activities int) string {
	return strings.Repeat("a", activities)
}

// activitiesIn counts the steps of a chain that are activities.
func activitiesIn(steps string) int {
	return strings.Count(steps, "a") + strings.Count(steps, "l")
}
