package workflows

import (
	"encoding/json"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
)

// stuckVPC is a cloud whose router interface accepts the connect call and
// then stays in one status for ever.
type stuckVPC struct {
	mu       sync.Mutex
	status   string
	connects int
}

func (v *stuckVPC) DescribeRouterInterfaces(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	status := "Idle"
	if v.connects > 0 {
		status = v.status
	}
	resp := &vpc.DescribeRouterInterfacesResponse{RequestId: "RID-" + status, TotalCount: 1}
	resp.RouterInterfaceSet.RouterInterfaceType = []vpc.RouterInterfaceType{{
		RouterInterfaceId: riID, Status: status, Role: "InitiatingSide", OppositeInterfaceId: peerID,
		OppositeRouterId: "vrt-b", OppositeRouterType: "VRouter", OppositeInterfaceOwnerId: "1",
	}}
	return resp, nil
}

func (v *stuckVPC) ConnectRouterInterface(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.connects++
	return &vpc.ConnectRouterInterfaceResponse{RequestId: "RID-CONNECT"}, nil
}

func (v *stuckVPC) PublishVpcRouteEntries(*vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
	return nil, errNotServed
}

func (v *stuckVPC) ListVpcPublishedRouteEntries(*vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
	return nil, errNotServed
}

func (v *stuckVPC) DescribeVcoRouteEntries(*vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error) {
	return nil, errNotServed
}

func (v *stuckVPC) DescribeVpnCrossAccountAuthorizations(*vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error) {
	return nil, errNotServed
}

// rejectingAPIG lists one accepted and one rejected endpoint connection.
type rejectingAPIG struct{}

func (rejectingAPIG) ListEndpointConnections(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
	var conns []model.EndpointConnection
	data := `[{"id":"ep-ok","marker_id":1,"status":"accepted"},{"id":"ep-bad","marker_id":2,"status":"rejected"}]`
	if err := json.Unmarshal([]byte(data), &conns); err != nil {
		return nil, err
	}
	id := "RID-APIG"
	return &model.ListEndpointConnectionsResponse{Total: 2, Size: 2, Connections: &conns, XRequestId: &id}, nil
}
