// Package activities holds vpcflow's Temporal activities: each one makes the
// calls of one cloud operation through the real Alibaba Cloud and Huawei Cloud
// SDKs and turns their answers into results or classified errors.
//
// CloudActivities is registered once on the worker; workflows call its
// methods through a nil pointer, as Temporal's samples do.
package activities

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// VPCAPI is the part of the Alibaba Cloud VPC client (*vpc.Client) that
// vpcflow calls. Tests give a fake; the worker gives the real client.
type VPCAPI interface {
	DescribeRouterInterfaces(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error)
	ConnectRouterInterface(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error)
	PublishVpcRouteEntries(*vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error)
	ListVpcPublishedRouteEntries(*vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error)
	DescribeVcoRouteEntries(*vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error)
	DescribeVpnCrossAccountAuthorizations(*vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error)
	// The two calls a rollback makes.
	WithdrawVpcPublishedRouteEntries(*vpc.WithdrawVpcPublishedRouteEntriesRequest) (*vpc.WithdrawVpcPublishedRouteEntriesResponse, error)
	DeactivateRouterInterface(*vpc.DeactivateRouterInterfaceRequest) (*vpc.DeactivateRouterInterfaceResponse, error)
	// A change finding its interface Inactive (rolled back) activates it.
	ActivateRouterInterface(*vpc.ActivateRouterInterfaceRequest) (*vpc.ActivateRouterInterfaceResponse, error)
}

// APIGAPI is the part of the Huawei Cloud APIG client (*apig.ApigClient)
// that vpcflow calls.
type APIGAPI interface {
	ListEndpointConnections(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error)
	AcceptOrRejectEndpointConnections(*model.AcceptOrRejectEndpointConnectionsRequest) (*model.AcceptOrRejectEndpointConnectionsResponse, error)
}

// APIGScope is the Huawei Cloud region and project an APIG call acts in.
// The zero value is the worker's own (HUAWEICLOUD_SDK_REGION,
// HUAWEICLOUD_SDK_PROJECT_ID); a field left empty keeps the worker's.
type APIGScope struct {
	Region    string `json:"Region,omitempty"`
	ProjectId string `json:"ProjectId,omitempty"`
}

// CloudActivities holds the cloud clients every activity uses. Build it once
// in the worker and register it with worker.RegisterActivity.
type CloudActivities struct {
	VPC VPCAPI
	// APIG acts in the worker's own Huawei Cloud region and project; nil
	// when the worker has no Huawei Cloud client, and APIGUnavailable says
	// why: its APIG calls then fail at once saying so, while the Alibaba
	// Cloud workflows run.
	APIG            APIGAPI
	APIGUnavailable error
	// APIGFor returns a client for another region or project of the same
	// account, for inputs that name one; nil when the worker serves only its
	// own.
	APIGFor func(APIGScope) (APIGAPI, error)
	// Poll paces the waits (router interface Active, routes on the VPN
	// connection, endpoints accepted). The zero value is DefaultPollSchedule.
	Poll PollSchedule

	// ReadWindow, when positive, lets the waits for router interfaces and
	// for a VPN connection's routes share their reads: the asks that come
	// within it of each other make one read (coalesced_reads.go). The
	// worker sets DefaultReadWindow; zero reads alone.
	ReadWindow time.Duration

	// Calls limits the worker's calls of each API in each region to its
	// share of the account's quota (call_limits.go); nil limits nothing.
	Calls *CallLimits

	// waits remembers when recent waits of each kind saw their target, so
	// the next one polls around that time (poll_learn.go).
	waits waitMemory
	// interfaces, vpnReads, publishedReads and endpointReads gather the
	// shared reads of router interfaces, of VPN connections' routes, of
	// route tables' published entries and of gateways' endpoint
	// connections (coalesced_reads.go); gatewaySizes holds how many
	// connections each gateway listed last (gateway -> int).
	interfaces     sharedReads[string, string, interfacesRead]
	vpnReads       sharedReads[vpnListing, []contract.ExpectedVpnRoute, vpnRoutesRead]
	publishedReads sharedReads[publishedListing, struct{}, publishedTable]
	endpointReads  sharedReads[gateway, []string, endpointsRead]
	gatewaySizes   sync.Map
}

// apigFor is the APIG client of a scope.
func (a *CloudActivities) apigFor(scope APIGScope) (APIGAPI, error) {
	switch {
	case a.APIG == nil:
		reason := "no client was given"
		if a.APIGUnavailable != nil {
			reason = a.APIGUnavailable.Error()
		}
		return nil, huaweiCloudNotConfigured("this worker has no Huawei Cloud client: %s", reason)
	case scope == (APIGScope{}):
		return a.APIG, nil
	case a.APIGFor == nil:
		return nil, huaweiCloudNotConfigured("this worker acts only in its own Huawei Cloud region and project, not in region %q project %q",
			scope.Region, scope.ProjectId)
	}
	client, err := a.APIGFor(scope)
	if err != nil {
		return nil, huaweiCloudNotConfigured("this worker cannot act in Huawei Cloud region %q project %q: %v", scope.Region, scope.ProjectId, err)
	}
	return client, nil
}

func huaweiCloudNotConfigured(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), contract.HuaweiCloudNotConfiguredType, nil)
}

// CallTrace is what every activity result reports about its cloud calls: the
// RequestIds the clouds answered (the handle support asks for), the attempt
// that succeeded, and the last cloud state it saw. A wait also reports the
// reads it retried itself after a throttled or failed answer (no new
// attempt: see PollSchedule.retryPause).
type CallTrace struct {
	RequestIds   []string `json:"RequestIds,omitempty"`
	Attempt      int32    `json:"Attempt"`
	CloudState   string   `json:"CloudState,omitempty"`
	RetriedReads int32    `json:"RetriedReads,omitempty"`
	// WriteLead is, for a wait, how long before it was scheduled the write
	// it followed was answered (PollProgress.WriteLead): a worker recalling
	// recent waits from histories times them from the write, as the wait did.
	WriteLead time.Duration `json:"WriteLead,omitempty"`
}

// LastRequestId is the RequestId of the last call, the one whose answer the
// result reports; "" without a call.
func (t CallTrace) LastRequestId() string { return lastOf(t.RequestIds) }

// traced is a result that reports its calls: it embeds CallTrace.
type traced[R any] interface {
	*R
	callTrace() *CallTrace
}

func (t *CallTrace) callTrace() *CallTrace { return t }

// answered stamps a result with the attempt that produced it, or passes its
// error on as it is (an ApplicationError must not be wrapped).
func answered[R any, P traced[R]](ctx context.Context, r R, err error) (R, error) {
	if err != nil {
		var zero R
		return zero, err
	}
	P(&r).callTrace().Attempt = activity.GetInfo(ctx).Attempt
	return r, nil
}
