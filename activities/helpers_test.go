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

// newActivityEnv is an activity test environment with acts registered,
// whose SDK does not log every expected activity error.
func newActivityEnv(acts any) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	return env
}

// runActivity runs the activity fn (a method of acts) with args, as a
// worker would, and returns its result decoded, or its error.
func runActivity[Out any](acts, fn any, args ...any) (Out, error) {
	return runIn[Out](newActivityEnv(acts), fn, args...)
}

// runIn is runActivity in an environment the test has set up (heartbeat
// details to resume from, a worker stop channel).
func runIn[Out any](env *testsuite.TestActivityEnvironment, fn any, args ...any) (Out, error) {
	var out Out
	val, err := env.ExecuteActivity(fn, args...)
	if err != nil {
		return out, err
	}
	return out, val.Get(&out)
}

// activityError runs the activity fn of acts with args and returns its
// error, for a test that expects one.
func activityError(acts, fn any, args ...any) error {
	_, err := runActivity[any](acts, fn, args...)
	return err
}
