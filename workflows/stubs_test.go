package workflows

import (
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
)

// stuckConnecting is a cloud whose router interface accepts the connect
// call and then stays Connecting for ever.
func stuckConnecting() *activitiestest.FakeVPC {
	f := &activitiestest.FakeVPC{}
	f.OnConnectRouterInterface = func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
		return &vpc.ConnectRouterInterfaceResponse{RequestId: "RID-CONNECT"}, nil
	}
	f.OnDescribeRouterInterfaces = func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		status := "Idle"
		if f.Calls("ConnectRouterInterface") > 0 {
			status = "Connecting"
		}
		return activitiestest.RouterInterfaces("RID-"+status, vpc.RouterInterfaceType{
			RouterInterfaceId: riID, Status: status, Role: "InitiatingSide", OppositeInterfaceId: peerID,
			OppositeRouterId: "vrt-b", OppositeRouterType: "VRouter", OppositeInterfaceOwnerId: "1",
		}), nil
	}
	return f
}

// rejectingAPIG lists one accepted and one rejected endpoint connection.
func rejectingAPIG() *activitiestest.FakeAPIG {
	return &activitiestest.FakeAPIG{OnListEndpointConnections: func(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
		conns, err := activitiestest.EndpointConnections("ep-ok", "accepted", "ep-bad", "rejected")
		id := "RID-APIG"
		return &model.ListEndpointConnectionsResponse{Total: 2, Size: 2, Connections: &conns, XRequestId: &id}, err
	}}
}
