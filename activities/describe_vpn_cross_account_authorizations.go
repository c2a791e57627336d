package activities

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"
)

// VpnConnectionRef names one IPsec-VPN connection.
type VpnConnectionRef struct {
	RegionId        string `json:"RegionId"`
	VpnConnectionId string `json:"VpnConnectionId"`
	PageSize        int    `json:"PageSize,omitempty"`
}

// CrossAccountAuthorization lets a VPN connection join a resource (a CEN
// instance) of another account.
type CrossAccountAuthorization struct {
	BindInstance string `json:"BindInstance"`
	BindUid      int64  `json:"BindUid"`
	BindProduct  string `json:"BindProduct"`
	AliUid       int64  `json:"AliUid"`
}

// CrossAccountAuthorizations is every authorization of a VPN connection.
type CrossAccountAuthorizations struct {
	Authorizations []CrossAccountAuthorization `json:"Authorizations"`
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
		resp, err := a.VPC.DescribeVpnCrossAccountAuthorizations(req)
		if err != nil {
			return pageAnswer{}, CloudError(ctx, "DescribeVpnCrossAccountAuthorizations", in.VpnConnectionId, err)
		}
		for _, auth := range resp.CrossAccountAuthorizations {
			out.Authorizations = append(out.Authorizations, CrossAccountAuthorization{
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
