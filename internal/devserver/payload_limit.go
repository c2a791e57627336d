package devserver

import (
	"context"
	"fmt"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// maxSignalOrUpdateBytes bounds the arguments of a Signal or an Update
// the dev server takes. A worker answers an Update with its request
// attached, so an Update over the 2 MB blob limit fails every workflow
// task that carries it (PayloadsTooLarge): the workflow's queries and its
// other Updates wait until the Update gives up. vpcflow's one Update, a
// decision, is a few KB (contract.MaxUpdatePayloadBytes is 64 KiB); it
// accepts no Signal, and a Signal's payload lands in the history.
const maxSignalOrUpdateBytes = 64 << 10

// limitSignalAndUpdatePayloads refuses, at the frontend and before any
// workflow sees it, a Signal or an Update whose arguments are larger than
// maxSignalOrUpdateBytes, with InvalidArgument: clients do not retry it
// (the server's own in-flight limit, history.maxInFlightUpdatePayloads,
// answers ResourceExhausted, which SDK clients retry until their deadline).
func limitSignalAndUpdatePayloads(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	what, size := "", 0
	switch r := req.(type) {
	case *workflowservice.UpdateWorkflowExecutionRequest:
		what, size = "the Update "+r.GetRequest().GetInput().GetName(), r.GetRequest().GetInput().GetArgs().Size()
	case *workflowservice.SignalWorkflowExecutionRequest:
		what, size = "the Signal "+r.GetSignalName(), r.GetInput().Size()
	case *workflowservice.SignalWithStartWorkflowExecutionRequest:
		what, size = "the Signal "+r.GetSignalName(), r.GetSignalInput().Size()
	case *workflowservice.ExecuteMultiOperationRequest:
		for _, op := range r.GetOperations() {
			if u := op.GetUpdateWorkflow(); u != nil {
				what, size = "the Update "+u.GetRequest().GetInput().GetName(), u.GetRequest().GetInput().GetArgs().Size()
			}
		}
	}
	if size > maxSignalOrUpdateBytes {
		return nil, status.Error(codes.InvalidArgument, fmt.Sprintf("%.200s: its arguments are %d bytes; this server takes at most %d for a Signal or an Update",
			what, size, maxSignalOrUpdateBytes))
	}
	return handler(ctx, req)
}
