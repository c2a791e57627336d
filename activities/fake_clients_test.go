package activities

import (
	"io"
	"log/slog"

	"encoding/json"
	"fmt"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"sync"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
)

// fakeVPC answers each operation with the function set for it and records
// every request. An operation with no function fails the test loudly.
type fakeVPC struct {
	mu       sync.Mutex
	requests map[string][]any

	describeRouterInterfaces func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error)
	connectRouterInterface   func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error)
	publishVpcRouteEntries   func(*vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error)
	listPublished            func(*vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error)
	describeVcoRouteEntries  func(*vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error)
	describeCrossAccount     func(*vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error)
}

func (f *fakeVPC) record(op string, req any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.requests == nil {
		f.requests = make(map[string][]any)
	}
	f.requests[op] = append(f.requests[op], req)
}

func (f *fakeVPC) calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests[op])
}

func missing(op string) error { return fmt.Errorf("fakeVPC: no answer set for %s", op) }

func (f *fakeVPC) DescribeRouterInterfaces(r *vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
	f.record("DescribeRouterInterfaces", r)
	if f.describeRouterInterfaces == nil {
		return nil, missing("DescribeRouterInterfaces")
	}
	return f.describeRouterInterfaces(r)
}

func (f *fakeVPC) ConnectRouterInterface(r *vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
	f.record("ConnectRouterInterface", r)
	if f.connectRouterInterface == nil {
		return nil, missing("ConnectRouterInterface")
	}
	return f.connectRouterInterface(r)
}

func (f *fakeVPC) PublishVpcRouteEntries(r *vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
	f.record("PublishVpcRouteEntries", r)
	if f.publishVpcRouteEntries == nil {
		return nil, missing("PublishVpcRouteEntries")
	}
	return f.publishVpcRouteEntries(r)
}

func (f *fakeVPC) ListVpcPublishedRouteEntries(r *vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
	f.record("ListVpcPublishedRouteEntries", r)
	if f.listPublished == nil {
		return nil, missing("ListVpcPublishedRouteEntries")
	}
	return f.listPublished(r)
}

func (f *fakeVPC) DescribeVcoRouteEntries(r *vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error) {
	f.record("DescribeVcoRouteEntries", r)
	if f.describeVcoRouteEntries == nil {
		return nil, missing("DescribeVcoRouteEntries")
	}
	return f.describeVcoRouteEntries(r)
}

func (f *fakeVPC) DescribeVpnCrossAccountAuthorizations(r *vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error) {
	f.record("DescribeVpnCrossAccountAuthorizations", r)
	if f.describeCrossAccount == nil {
		return nil, missing("DescribeVpnCrossAccountAuthorizations")
	}
	return f.describeCrossAccount(r)
}

// fakeAPIG answers ListEndpointConnections with list.
type fakeAPIG struct {
	mu       sync.Mutex
	requests []*model.ListEndpointConnectionsRequest
	list     func(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error)
}

func (f *fakeAPIG) ListEndpointConnections(r *model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	return f.list(r)
}

// aliError builds the error the Alibaba SDK returns for an error answer, from
// the same JSON body the cloud sends.
func aliError(status int, code, requestID string) error {
	body, _ := json.Marshal(map[string]string{
		"RequestId": requestID, "HostId": "vpc.aliyuncs.com", "Code": code, "Message": "message of " + code,
	})
	return alierrors.NewServerError(status, string(body), "")
}

// huaweiError builds the error the Huawei SDK returns for an error answer.
func huaweiError(status int, code, requestID string) error {
	return &sdkerr.ServiceResponseError{StatusCode: status, ErrorCode: code, ErrorMessage: "message of " + code, RequestId: requestID}
}

// routerInterfaces answers DescribeRouterInterfaces with one interface.
func routerInterfaces(requestID string, ri vpc.RouterInterfaceType) *vpc.DescribeRouterInterfacesResponse {
	resp := &vpc.DescribeRouterInterfacesResponse{RequestId: requestID, TotalCount: 1}
	resp.RouterInterfaceSet.RouterInterfaceType = []vpc.RouterInterfaceType{ri}
	return resp
}

func initiator(status string) vpc.RouterInterfaceType {
	return vpc.RouterInterfaceType{
		RouterInterfaceId: "ri-init1", Status: status, Role: RoleInitiatingSide, RouterId: "vrt-a", RouterType: "VRouter",
		OppositeInterfaceId: "ri-acc1", OppositeRouterId: "vrt-b", OppositeRouterType: "VRouter",
		OppositeInterfaceOwnerId: "1250123456123456", OppositeRegionId: "cn-hangzhou",
	}
}

// newQuietEnv is an activity test environment whose SDK does not log every
// expected activity error.
func newQuietEnv() *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return suite.NewTestActivityEnvironment()
}
