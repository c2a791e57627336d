// Package activities holds vpcflow's Temporal activities: each one makes the
// calls of one cloud operation through the real Alibaba Cloud and Huawei Cloud
// SDKs and turns their answers into results or classified errors.
//
// CloudActivities is registered once on the worker; workflows call its
// methods through a nil pointer, as Temporal's samples do.
package activities

import (
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
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
}

// APIGAPI is the part of the Huawei Cloud APIG client (*apig.ApigClient)
// that vpcflow calls.
type APIGAPI interface {
	ListEndpointConnections(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error)
}

// CloudActivities holds the cloud clients every activity uses. Build it once
// in the worker and register it with worker.RegisterActivity.
type CloudActivities struct {
	VPC  VPCAPI
	APIG APIGAPI
	// Poll paces the waits (router interface Active, routes on the VPN
	// connection, endpoints accepted). The zero value is DefaultPollSchedule.
	Poll PollSchedule

	// waits remembers when recent waits of each kind saw their target, so
	// the next one polls around that time (poll_learn.go).
	waits waitMemory
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
}
