package contract

import (
	"testing"

	"github.com/vpcflow/vpcflow/internal/linktest"
)

// A service that imports the contract links neither cloud SDK nor any of
// vpcflow's worker code: only the Temporal SDK and the standard library.
func TestContractLinksNoCloudSDKAndNoWorkerCode(t *testing.T) {
	linktest.Forbid(t, "github.com/vpcflow/vpcflow/contract", "go.temporal.io/sdk/client", []string{
		"github.com/aliyun/",      // Alibaba Cloud SDK and credentials
		"github.com/huaweicloud/", // Huawei Cloud SDK
		"github.com/vpcflow/vpcflow/activities",
		"github.com/vpcflow/vpcflow/workflows",
		"github.com/vpcflow/vpcflow/internal/",
		"go.temporal.io/server",
	})
}
