// Package activitiestest has fakes of the cloud clients vpcflow's
// activities call, for tests that exercise an activity or a workflow
// without a cloud: each answers with the function a test sets, from the
// same SDK types the real clients return, and records every request.
// Tests that need a cloud that behaves run against cloudsim instead.
package activitiestest

import (
	"encoding/json"
	"fmt"
	"sync"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
)

// FakeVPC stands for the Alibaba Cloud VPC client (activities.VPCAPI). An
// operation whose function is not set answers an error naming it, so a
// test that did not expect a call sees it.
type FakeVPC struct {
	OnDescribeRouterInterfaces              func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error)
	OnConnectRouterInterface                func(*vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error)
	OnPublishVpcRouteEntries                func(*vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error)
	OnListVpcPublishedRouteEntries          func(*vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error)
	OnDescribeVcoRouteEntries               func(*vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error)
	OnDescribeVpnCrossAccountAuthorizations func(*vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error)
	OnWithdrawVpcPublishedRouteEntries      func(*vpc.WithdrawVpcPublishedRouteEntriesRequest) (*vpc.WithdrawVpcPublishedRouteEntriesResponse, error)
	OnDeactivateRouterInterface             func(*vpc.DeactivateRouterInterfaceRequest) (*vpc.DeactivateRouterInterfaceResponse, error)
	OnActivateRouterInterface               func(*vpc.ActivateRouterInterfaceRequest) (*vpc.ActivateRouterInterfaceResponse, error)

	mu       sync.Mutex
	requests map[string][]any
}

// answer records req under op and calls on, if set.
func answer[Req, Resp any](f *FakeVPC, op string, req Req, on func(Req) (Resp, error)) (Resp, error) {
	f.mu.Lock()
	if f.requests == nil {
		f.requests = make(map[string][]any)
	}
	f.requests[op] = append(f.requests[op], req)
	f.mu.Unlock()
	if on == nil {
		var zero Resp
		return zero, fmt.Errorf("activitiestest.FakeVPC: no answer set for %s", op)
	}
	return on(req)
}

// Calls is how many requests of op the fake received.
func (f *FakeVPC) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests[op])
}

// Requests are the requests of op the fake received, oldest first.
func (f *FakeVPC) Requests(op string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]any(nil), f.requests[op]...)
}

func (f *FakeVPC) DescribeRouterInterfaces(r *vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
	return answer(f, "DescribeRouterInterfaces", r, f.OnDescribeRouterInterfaces)
}

func (f *FakeVPC) ConnectRouterInterface(r *vpc.ConnectRouterInterfaceRequest) (*vpc.ConnectRouterInterfaceResponse, error) {
	return answer(f, "ConnectRouterInterface", r, f.OnConnectRouterInterface)
}

func (f *FakeVPC) PublishVpcRouteEntries(r *vpc.PublishVpcRouteEntriesRequest) (*vpc.PublishVpcRouteEntriesResponse, error) {
	return answer(f, "PublishVpcRouteEntries", r, f.OnPublishVpcRouteEntries)
}

func (f *FakeVPC) ListVpcPublishedRouteEntries(r *vpc.ListVpcPublishedRouteEntriesRequest) (*vpc.ListVpcPublishedRouteEntriesResponse, error) {
	return answer(f, "ListVpcPublishedRouteEntries", r, f.OnListVpcPublishedRouteEntries)
}

func (f *FakeVPC) DescribeVcoRouteEntries(r *vpc.DescribeVcoRouteEntriesRequest) (*vpc.DescribeVcoRouteEntriesResponse, error) {
	return answer(f, "DescribeVcoRouteEntries", r, f.OnDescribeVcoRouteEntries)
}

func (f *FakeVPC) DescribeVpnCrossAccountAuthorizations(r *vpc.DescribeVpnCrossAccountAuthorizationsRequest) (*vpc.DescribeVpnCrossAccountAuthorizationsResponse, error) {
	return answer(f, "DescribeVpnCrossAccountAuthorizations", r, f.OnDescribeVpnCrossAccountAuthorizations)
}

func (f *FakeVPC) WithdrawVpcPublishedRouteEntries(r *vpc.WithdrawVpcPublishedRouteEntriesRequest) (*vpc.WithdrawVpcPublishedRouteEntriesResponse, error) {
	return answer(f, "WithdrawVpcPublishedRouteEntries", r, f.OnWithdrawVpcPublishedRouteEntries)
}

func (f *FakeVPC) DeactivateRouterInterface(r *vpc.DeactivateRouterInterfaceRequest) (*vpc.DeactivateRouterInterfaceResponse, error) {
	return answer(f, "DeactivateRouterInterface", r, f.OnDeactivateRouterInterface)
}

func (f *FakeVPC) ActivateRouterInterface(r *vpc.ActivateRouterInterfaceRequest) (*vpc.ActivateRouterInterfaceResponse, error) {
	return answer(f, "ActivateRouterInterface", r, f.OnActivateRouterInterface)
}

// FakeAPIG stands for the Huawei Cloud APIG client (activities.APIGAPI).
type FakeAPIG struct {
	OnListEndpointConnections           func(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error)
	OnAcceptOrRejectEndpointConnections func(*model.AcceptOrRejectEndpointConnectionsRequest) (*model.AcceptOrRejectEndpointConnectionsResponse, error)

	mu       sync.Mutex
	requests []*model.ListEndpointConnectionsRequest
	actions  []*model.AcceptOrRejectEndpointConnectionsRequest
}

func (f *FakeAPIG) AcceptOrRejectEndpointConnections(r *model.AcceptOrRejectEndpointConnectionsRequest) (*model.AcceptOrRejectEndpointConnectionsResponse, error) {
	f.mu.Lock()
	f.actions = append(f.actions, r)
	f.mu.Unlock()
	if f.OnAcceptOrRejectEndpointConnections == nil {
		return nil, fmt.Errorf("activitiestest.FakeAPIG: no answer set for AcceptOrRejectEndpointConnections")
	}
	return f.OnAcceptOrRejectEndpointConnections(r)
}

// Actions are the accept and reject requests the fake received, oldest
// first.
func (f *FakeAPIG) Actions() []*model.AcceptOrRejectEndpointConnectionsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*model.AcceptOrRejectEndpointConnectionsRequest(nil), f.actions...)
}

func (f *FakeAPIG) ListEndpointConnections(r *model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	if f.OnListEndpointConnections == nil {
		return nil, fmt.Errorf("activitiestest.FakeAPIG: no answer set for ListEndpointConnections")
	}
	return f.OnListEndpointConnections(r)
}

// Requests are the requests the fake received, oldest first.
func (f *FakeAPIG) Requests() []*model.ListEndpointConnectionsRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*model.ListEndpointConnectionsRequest(nil), f.requests...)
}

// AliError is the error the Alibaba SDK returns for an error answer, built
// from the same JSON body the cloud sends.
func AliError(status int, code, requestID string) error {
	body, _ := json.Marshal(map[string]string{
		"RequestId": requestID, "HostId": "vpc.aliyuncs.com", "Code": code, "Message": "message of " + code,
	})
	return alierrors.NewServerError(status, string(body), "")
}

// HuaweiError is the error the Huawei SDK returns for an error answer.
func HuaweiError(status int, code, requestID string) error {
	return &sdkerr.ServiceResponseError{StatusCode: status, ErrorCode: code, ErrorMessage: "message of " + code, RequestId: requestID}
}

// RouterInterfaces answers DescribeRouterInterfaces with one interface.
func RouterInterfaces(requestID string, ri vpc.RouterInterfaceType) *vpc.DescribeRouterInterfacesResponse {
	resp := &vpc.DescribeRouterInterfacesResponse{RequestId: requestID, TotalCount: 1}
	resp.RouterInterfaceSet.RouterInterfaceType = []vpc.RouterInterfaceType{ri}
	return resp
}

// EndpointConnections builds the SDK's connections from id and status
// pairs, as the SDK decodes them (the status type's value is unexported).
func EndpointConnections(idStatus ...string) ([]model.EndpointConnection, error) {
	var list []map[string]any
	for i := 0; i+1 < len(idStatus); i += 2 {
		list = append(list, map[string]any{"id": idStatus[i], "marker_id": len(list), "status": idStatus[i+1]})
	}
	data, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	var conns []model.EndpointConnection
	err = json.Unmarshal(data, &conns)
	return conns, err
}
