// Package simclients builds vpcflow's activities with real SDK clients that
// call a cloudsim at a URL, signed with cloudsim's default fixture's keys,
// and the change the default fixture is made for: what the dev stack, the
// demo, the integration tests and the benchmarks run on.
package simclients

import (
	"strconv"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// Config points both clouds at the cloudsim at url ("http://127.0.0.1:8380").
func Config(url string) cloudclients.Config {
	return cloudclients.Config{AlibabaRegionId: cloudsim.DefaultRegionID, AlibabaVPCEndpoint: url, HuaweiAPIGEndpoint: url}
}

// Activities returns activities whose clients call the cloudsim at url.
func Activities(url string) (*activities.CloudActivities, error) {
	return ActivitiesWithHuaweiKeys(url, cloudsim.DefaultHuaweiAK, cloudsim.DefaultHuaweiSK)
}

// ActivitiesWithHuaweiKeys is Activities with another Huawei AK/SK, for a
// test of what a worker with wrong keys does.
func ActivitiesWithHuaweiKeys(url, huaweiAK, huaweiSK string) (*activities.CloudActivities, error) {
	kind, ak, sk := "access_key", cloudsim.DefaultAccessKeyID, cloudsim.DefaultAccessKeySecret
	aliCred, err := credentials.NewCredential(&credentials.Config{Type: &kind, AccessKeyId: &ak, AccessKeySecret: &sk})
	if err != nil {
		return nil, err
	}
	vpcClient, err := cloudclients.NewVPCClient(Config(url), aliCred)
	if err != nil {
		return nil, err
	}
	hwCred, err := basic.NewCredentialsBuilder().WithAk(huaweiAK).WithSk(huaweiSK).
		WithProjectId(cloudsim.DefaultHuaweiProjectID).SafeBuild()
	if err != nil {
		return nil, err
	}
	apigClient, err := cloudclients.NewAPIGClient(Config(url), hwCred)
	if err != nil {
		return nil, err
	}
	scopes, err := cloudclients.NewAPIGScopes(Config(url), hwCred)
	if err != nil {
		return nil, err
	}
	return &activities.CloudActivities{VPC: vpcClient, APIG: apigClient, ReadWindow: activities.DefaultReadWindow,
		APIGFor: func(s activities.APIGScope) (activities.APIGAPI, error) { return scopes.For(s.Region, s.ProjectId) },
	}, nil
}

// DefaultNetworkChange is the change cloudsim's default fixture is made for:
// connect its router interface, publish two routes to its ECR, and verify
// them on its VPN connection, which is authorized for its CEN.
func DefaultNetworkChange() contract.NetworkChangeInput {
	peer, err := strconv.ParseInt(cloudsim.DefaultPeerAccountUID, 10, 64)
	if err != nil {
		panic("cloudsim.DefaultPeerAccountUID is not a number: " + err.Error()) // a constant: caught by any test
	}
	return contract.NetworkChangeInput{
		RegionId:          cloudsim.DefaultRegionID,
		RouterInterfaceId: cloudsim.DefaultInitiatingInterfaceID,
		TargetType:        "ECR",
		TargetInstanceId:  cloudsim.DefaultECRID,
		RouteEntries: []contract.RouteEntry{
			{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.DefaultRouteCIDR1},
			{RouteTableId: cloudsim.DefaultSystemRouteTableID, DestinationCidrBlock: cloudsim.DefaultRouteCIDR2},
		},
		VpnConnectionId: cloudsim.DefaultVpnConnectionID,
		CrossAccount:    &contract.ExpectedCrossAccount{BindInstance: cloudsim.DefaultCenID, BindUid: peer},
	}
}
