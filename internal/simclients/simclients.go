// Package simclients builds vpcflow's activities with real SDK clients that
// call a cloudsim at a URL, signed with cloudsim's default fixture's keys:
// what the dev stack, the integration tests and the benchmarks run on.
package simclients

import (
	"github.com/aliyun/credentials-go/credentials"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/internal/cloudclients"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// Config points both clouds at the cloudsim at url ("http://127.0.0.1:8380").
func Config(url string) cloudclients.Config {
	return cloudclients.Config{AlibabaRegionId: cloudsim.DefaultRegionID, AlibabaVPCEndpoint: url, HuaweiAPIGEndpoint: url}
}

// Activities returns activities whose clients call the cloudsim at url.
func Activities(url string) (*activities.CloudActivities, error) {
	kind, ak, sk := "access_key", cloudsim.DefaultAccessKeyID, cloudsim.DefaultAccessKeySecret
	aliCred, err := credentials.NewCredential(&credentials.Config{Type: &kind, AccessKeyId: &ak, AccessKeySecret: &sk})
	if err != nil {
		return nil, err
	}
	vpcClient, err := cloudclients.NewVPCClient(Config(url), aliCred)
	if err != nil {
		return nil, err
	}
	hwCred, err := basic.NewCredentialsBuilder().WithAk(cloudsim.DefaultHuaweiAK).WithSk(cloudsim.DefaultHuaweiSK).
		WithProjectId(cloudsim.DefaultHuaweiProjectID).SafeBuild()
	if err != nil {
		return nil, err
	}
	apigClient, err := cloudclients.NewAPIGClient(Config(url), hwCred)
	if err != nil {
		return nil, err
	}
	return &activities.CloudActivities{VPC: vpcClient, APIG: apigClient}, nil
}
