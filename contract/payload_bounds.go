package contract

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
)

// Bounds of what a client sends vpcflow. A Temporal server takes payloads
// up to its blob limit (2 MB by default), but an Update's payload also
// travels back in the worker's answer: a 3 MB decision failed every
// workflow task that carried it (PayloadsTooLarge), blocking the change's
// queries and every other decision until the Update gave up. So a client
// of vpcflow refuses such payloads before sending (BoundedPayloads), and
// the server is told to refuse them before they reach a worker: the embedded
// dev server sets history.maxInFlightUpdatePayloads to MaxUpdatePayloadBytes,
// and docs/operations.md gives the setting for another cluster.
const (
	// MaxUpdatePayloadBytes bounds the arguments of an Update (and of a
	// Signal, which vpcflow accepts none of) as JSON: a Decision is at most
	// 256 bytes of By and 4096 of Comment.
	MaxUpdatePayloadBytes = 64 << 10
	// MaxInputBytes bounds a workflow's input as JSON, as a spec file is
	// bounded.
	MaxInputBytes = 1 << 20
)

// BoundedPayloads is a client interceptor that refuses, before anything is
// sent, an Update or Signal whose arguments are larger than
// MaxUpdatePayloadBytes and a start whose input is larger than
// MaxInputBytes, measured as JSON. The starter's client has it; a service
// adds it to its client.Options.Interceptors.
func BoundedPayloads() interceptor.ClientInterceptor { return &boundedPayloads{} }

type boundedPayloads struct {
	interceptor.ClientInterceptorBase
}

func (*boundedPayloads) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &boundedOutbound{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}}
}

type boundedOutbound struct {
	interceptor.ClientOutboundInterceptorBase
}

func (b *boundedOutbound) ExecuteWorkflow(ctx context.Context, in *interceptor.ClientExecuteWorkflowInput) (client.WorkflowRun, error) {
	if err := checkPayload("the input of "+in.WorkflowType, MaxInputBytes, in.Args); err != nil {
		return nil, err
	}
	return b.Next.ExecuteWorkflow(ctx, in)
}

func (b *boundedOutbound) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	if err := checkPayload("the Update "+in.UpdateName, MaxUpdatePayloadBytes, in.Args); err != nil {
		return nil, err
	}
	return b.Next.UpdateWorkflow(ctx, in)
}

func (b *boundedOutbound) SignalWorkflow(ctx context.Context, in *interceptor.ClientSignalWorkflowInput) error {
	if err := checkPayload("the Signal "+in.SignalName, MaxUpdatePayloadBytes, []any{in.Arg}); err != nil {
		return err
	}
	return b.Next.SignalWorkflow(ctx, in)
}

func (b *boundedOutbound) SignalWithStartWorkflow(ctx context.Context, in *interceptor.ClientSignalWithStartWorkflowInput) (client.WorkflowRun, error) {
	if err := checkPayload("the Signal "+in.SignalName, MaxUpdatePayloadBytes, []any{in.SignalArg}); err != nil {
		return nil, err
	}
	if err := checkPayload("the input of "+in.WorkflowType, MaxInputBytes, in.Args); err != nil {
		return nil, err
	}
	return b.Next.SignalWithStartWorkflow(ctx, in)
}

// checkPayload refuses args larger than limit bytes once encoded.
func checkPayload(what string, limit int, args []any) error {
	payloads, err := converter.GetDefaultDataConverter().ToPayloads(args...)
	if err != nil {
		return nil // the SDK reports what does not encode
	}
	size := 0
	for _, p := range payloads.GetPayloads() {
		size += len(p.GetData())
	}
	if size > limit {
		return fmt.Errorf("%s is %d bytes; vpcflow takes at most %d: nothing was sent", shown(what), size, limit)
	}
	return nil
}
