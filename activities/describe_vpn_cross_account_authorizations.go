package activities

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"

	"github.com/vpcflow/vpcflow/contract"
)

// VpnConnectionRef names one IPsec-VPN connection.
type VpnConnectionRef struct {
	RegionId        string `json:"RegionId"`
	VpnConnectionId string `json:"VpnConnectionId"`
	PageSize        int    `json:"PageSize,omitempty"`
}

// CrossAccountAuthorizations is every authorization of a VPN connection.
type CrossAccountAuthorizations struct {
	Authorizations []contract.CrossAccountAuthorization `json:"Authorizations"`
	CallTrace
}

// DescribeVpnCrossAccountAuthorizations reads every page of a VPN
// connection's cross-account authorizations.
func (a *CloudActivities) DescribeVpnCrossAccountAuthorizations(ctx context.Context, in VpnConnectionRef) (CrossAccountAuthorizations, error) {
	pageSize := in.PageSize
	if pageSize <= 0 {
		pageSize = maxDescribePageSize
	}
	out := CrossAccountAuthorizations{CallTrace: CallTrace{Attempt: activity.GetInfo(ctx).Attempt}}
	list := listing{Operation: "DescribeVpnCrossAccountAuthorizations", Resource: in.VpnConnectionId, PageSize: pageSize}
	requestIDs, err := list.read(func(c pageCursor) (pageAnswer, error) {
		req := vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
		req.RegionId = in.RegionId
		req.VpnConnectionId = in.VpnConnectionId
		req.PageNumber = requests.NewInteger(c.Number)
		req.PageSize = requests.NewInteger(pageSize)
		// No ClientToken, as for DescribeVcoRouteEntries: a token would make
		// a change run again under the same workflow ID read the first run's
		// answer, an authorization "still missing" after it was granted.
		resp, err := observed(ctx, a.Calls, "DescribeVpnCrossAccountAuthorizations", a.VPC.DescribeVpnCrossAccountAuthorizations, req)
		if err != nil {
			return pageAnswer{}, CloudError(ctx, "DescribeVpnCrossAccountAuthorizations", in.VpnConnectionId, err)
		}
		for _, auth := range resp.CrossAccountAuthorizations {
			out.Authorizations = append(out.Authorizations, contract.CrossAccountAuthorization{
				BindInstance: auth.BindInstance, BindUid: auth.BindUid, BindProduct: auth.BindProduct, AliUid: auth.AliUid,
			})
		}
		return pageAnswer{Entries: len(resp.CrossAccountAuthorizations), PageSize: resp.PageSize, RequestId: resp.RequestId}, nil
	})
	if err != nil {
		return CrossAccountAuthorizations{}, err
	}
	out.RequestIds = requestIDs
	return out, nil
}
