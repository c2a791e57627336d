package activities

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// ConnectRouterInterfaceResult reports a connect call. AlreadyConnecting is
// true when the call found the interface already Connecting or Active, which
// is what a retry sees after a lost response: nothing was connected twice.
type ConnectRouterInterfaceResult struct {
	RequestId         string `json:"RequestId"`
	AlreadyConnecting bool   `json:"AlreadyConnecting"`
	CallTrace
}

// ConnectRouterInterface initiates the connection of an InitiatingSide
// interface. The API takes no ClientToken, so a retry is made safe by reading:
// IncorrectRIStatus (not Idle) is settled by DescribeRouterInterfaces.
func (a *CloudActivities) ConnectRouterInterface(ctx context.Context, in RouterInterfaceRef) (ConnectRouterInterfaceResult, error) {
	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RegionId = in.RegionId
	req.RouterInterfaceId = in.RouterInterfaceId
	attempt := activity.GetInfo(ctx).Attempt
	resp, err := a.VPC.ConnectRouterInterface(req)
	if err == nil {
		return ConnectRouterInterfaceResult{
			RequestId: resp.RequestId,
			CallTrace: CallTrace{RequestIds: []string{resp.RequestId}, Attempt: attempt, CloudState: RouterInterfaceConnecting},
		}, nil
	}
	if errorCode(err) != "IncorrectRIStatus" {
		return ConnectRouterInterfaceResult{}, CloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err)
	}
	ri, rerr := a.describeRouterInterface(ctx, in)
	if rerr != nil {
		return ConnectRouterInterfaceResult{}, rerr
	}
	trace := CallTrace{RequestIds: append([]string{requestIDOf(err)}, ri.RequestIds...), Attempt: attempt, CloudState: ri.Status}
	switch ri.Status {
	case RouterInterfaceConnecting, RouterInterfaceAcceptingConnecting, RouterInterfaceActivating, RouterInterfaceActive:
		return ConnectRouterInterfaceResult{AlreadyConnecting: true, CallTrace: trace}, nil
	case RouterInterfaceIdle:
		// Idle again by the time we read: a transition raced the call. Retry.
		return ConnectRouterInterfaceResult{}, CloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err)
	default:
		return ConnectRouterInterfaceResult{}, temporal.NewNonRetryableApplicationError(
			"ConnectRouterInterface "+in.RouterInterfaceId+": the interface is "+ri.Status+
				"; only an Idle interface can be connected. RequestId: "+requestIDOf(err),
			"IncorrectRIStatus", nil,
			CloudErrorDetails{Operation: "ConnectRouterInterface", Resource: in.RouterInterfaceId,
				Code: "IncorrectRIStatus", RequestId: requestIDOf(err), Class: Permanent, Message: "status " + ri.Status})
	}
}
