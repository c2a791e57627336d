package activities

import (
	"io"
	"log/slog"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

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
