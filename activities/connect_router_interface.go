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
// Attempt (in CallTrace) then tells whether an earlier attempt of this very
// call may have made the connection.
type ConnectRouterInterfaceResult struct {
	RequestId         string `json:"RequestId"`
	AlreadyConnecting bool   `json:"AlreadyConnecting"`
	CallTrace
}

// settledByReading are the refusals of ConnectRouterInterface that a retry
// meets when an earlier attempt's connect went through but its answer was
// lost: the interface is no longer Idle (IncorrectRIStatus), or a connection
// between the two routers is in progress (Forbidden.OnlyOneConnection,
// "Cannot connect concurrently between same routers"; some clouds check
// this before the status). A read tells the two apart from a real refusal.
var settledByReading = map[string]bool{
	"IncorrectRIStatus":           true,
	"Forbidden.OnlyOneConnection": true,
}

// ConnectRouterInterface initiates the connection of an InitiatingSide
// interface. The API takes no ClientToken, so a retry is made safe by
// reading: a refusal in settledByReading is settled by
// DescribeRouterInterfaces.
func (a *CloudActivities) ConnectRouterInterface(ctx context.Context, in RouterInterfaceRef) (ConnectRouterInterfaceResult, error) {
	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RegionId = in.RegionId
	req.RouterInterfaceId = in.RouterInterfaceId
	info := activity.GetInfo(ctx)
	resp, err := a.VPC.ConnectRouterInterface(req)
	if err == nil {
		return ConnectRouterInterfaceResult{
			RequestId: resp.RequestId,
			CallTrace: CallTrace{RequestIds: []string{resp.RequestId}, Attempt: info.Attempt, CloudState: RouterInterfaceConnecting},
		}, nil
	}
	code := errorCode(err)
	if !settledByReading[code] {
		return ConnectRouterInterfaceResult{}, CloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err)
	}
	ri, rerr := a.describeRouterInterface(ctx, in)
	if rerr != nil {
		return ConnectRouterInterfaceResult{}, rerr
	}
	trace := CallTrace{RequestIds: append([]string{requestIDOf(err)}, ri.RequestIds...), Attempt: info.Attempt, CloudState: ri.Status}
	switch ri.Status {
	case RouterInterfaceConnecting, RouterInterfaceAcceptingConnecting, RouterInterfaceActivating, RouterInterfaceActive:
		return ConnectRouterInterfaceResult{AlreadyConnecting: true, CallTrace: trace}, nil
	case RouterInterfaceIdle:
		// Still Idle: the refusal is about this interface's state racing
		// the call (IncorrectRIStatus is busy: retried), or about another
		// connection between the routers (OnlyOneConnection: permanent).
		// But after an earlier attempt, the read may lag behind that
		// attempt's connect: within the grace, retry as busy.
		if readMayLagBehindEarlierAttempt(info) {
			row, _ := LookupErrorCode(code)
			row.Class, row.Fix = Busy, ""
			return ConnectRouterInterfaceResult{}, classifiedCloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err, row)
		}
		return ConnectRouterInterfaceResult{}, CloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err)
	default:
		return ConnectRouterInterfaceResult{}, temporal.NewNonRetryableApplicationError(
			"ConnectRouterInterface "+in.RouterInterfaceId+": the interface is "+ri.Status+
				"; only an Idle interface can be connected. RequestId: "+requestIDOf(err),
			code, nil,
			CloudErrorDetails{Operation: "ConnectRouterInterface", Resource: in.RouterInterfaceId,
				Code: code, RequestId: requestIDOf(err), Class: Permanent, Message: "status " + ri.Status})
	}
}

// readMayLagBehindEarlierAttempt tells whether an attempt of a write comes
// soon enough after the first (ScheduledTime is the first attempt's) that
// a read may not show what an earlier attempt did yet.
func readMayLagBehindEarlierAttempt(info activity.Info) bool {
	return info.Attempt > 1 && withinGrace(info.ScheduledTime)
}
