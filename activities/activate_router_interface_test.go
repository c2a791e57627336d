package activities

import (
	"context"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

// An activate is one call; its refusal of an interface that is not
// Inactive is settled by reading: Activating or Active (a lost answer of an
// earlier attempt) is success, Inactive or Deactivating is retried, Idle is
// the end.
func TestActivateAndItsRefusalsSettledByReading(t *testing.T) {
	fake := &activitiestest.FakeVPC{OnActivateRouterInterface: func(r *vpc.ActivateRouterInterfaceRequest) (*vpc.ActivateRouterInterfaceResponse, error) {
		assert.Equal(t, "ri-init1", r.RouterInterfaceId)
		return &vpc.ActivateRouterInterfaceResponse{RequestId: "RID-ACT"}, nil
	}}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[ActivateRouterInterfaceResult](acts, acts.ActivateRouterInterface, deactivateRef)
	require.NoError(t, err)
	assert.Equal(t, "RID-ACT", res.RequestId)
	assert.False(t, res.AlreadyActivating)
	assert.Equal(t, RouterInterfaceActivating, res.CloudState)

	for _, c := range []struct {
		code, status string
		already      bool
		nonRetryable bool
	}{
		{"IncorrectRIStatus", RouterInterfaceActivating, true, false},
		{"IncorrectStatus", RouterInterfaceActive, true, false},
		{"IncorrectRIStatus", RouterInterfaceInactive, false, false},
		{"IncorrectRIStatus", RouterInterfaceDeactivating, false, false},
		{"IncorrectRIStatus", RouterInterfaceIdle, false, true},
	} {
		fake := &activitiestest.FakeVPC{
			OnActivateRouterInterface: func(*vpc.ActivateRouterInterfaceRequest) (*vpc.ActivateRouterInterfaceResponse, error) {
				return nil, activitiestest.AliError(400, c.code, "RID-REFUSED")
			},
			OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
				return activitiestest.RouterInterfaces("RID-READ", initiator(c.status)), nil
			},
		}
		acts := &CloudActivities{VPC: fake}
		res, err := runActivity[ActivateRouterInterfaceResult](acts, acts.ActivateRouterInterface, deactivateRef)
		if c.already {
			require.NoError(t, err, c.status)
			assert.True(t, res.AlreadyActivating, c.status)
			continue
		}
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, c.status)
		assert.Equal(t, c.nonRetryable, appErr.NonRetryable(), c.status)
	}

	// The documented refusals are permanent, with their fix.
	for _, code := range []string{"Forbidden.FinancialLocked", "OperationFailed.PconnTrafficNotEnable", "Forbbiden", "NotSupportLinkrole", "OppositeRouterInterfaceIsDeleted"} {
		fake := &activitiestest.FakeVPC{OnActivateRouterInterface: func(*vpc.ActivateRouterInterfaceRequest) (*vpc.ActivateRouterInterfaceResponse, error) {
			return nil, activitiestest.AliError(400, code, "RID-"+code)
		}}
		acts := &CloudActivities{VPC: fake}
		err := activityError(acts, acts.ActivateRouterInterface, deactivateRef)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, code)
		assert.True(t, appErr.NonRetryable(), code)
		assert.Contains(t, appErr.Error(), "Fix: ", code)
	}
}

// Only the InitiatingSide a change names is activated.
func TestReadyToActivate(t *testing.T) {
	ri := RouterInterface{RouterInterfaceId: "ri-init1", Role: RoleInitiatingSide, Status: RouterInterfaceInactive}
	assert.NoError(t, ri.ReadyToActivate())
	ri.Role = RoleAcceptingSide
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, ri.ReadyToActivate(), &appErr)
	assert.Equal(t, "IncorrectRole.NotInitiatingSide", appErr.Type())
}

// A lock that clears in seconds is retried; one that stays is permanent,
// with the fix that says who can lift it.
func TestAnOperationLockIsRetriedOnlyBriefly(t *testing.T) {
	row, ok := LookupErrorCode("OperationFailed.OperationLocked")
	require.True(t, ok)
	assert.Equal(t, contract.Busy, row.after(5*time.Second).Class)
	assert.Equal(t, contract.Permanent, row.after(31*time.Second).Class)
	assert.Contains(t, row.Fix, "support")
	throttled, _ := LookupErrorCode("Throttling.User")
	assert.Equal(t, contract.Throttled, throttled.after(time.Hour).Class, "only the rows that say so give up")

	err := CloudError(context.Background(), "DeactivateRouterInterface", "ri-1", activitiestest.AliError(400, "OperationFailed.OperationLocked", "RID-L"))
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.False(t, appErr.NonRetryable(), "outside an activity, no time has passed")
}

// A wait for Active right after our own activate reads Inactive as lagging.
func TestTheWaitForActiveToleratesInactiveRightAfterTheActivate(t *testing.T) {
	reads := 0
	fake := &activitiestest.FakeVPC{OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		reads++
		status := RouterInterfaceInactive
		if reads > 2 {
			status = RouterInterfaceActive
		}
		return activitiestest.RouterInterfaces("RID-R", initiator(status)), nil
	}}
	acts := &CloudActivities{VPC: fake, Poll: fastPoll}
	ri, err := runActivity[RouterInterface](acts, acts.WaitRouterInterfaceActive,
		WaitRouterInterfaceActiveInput{RouterInterfaceRef: deactivateRef, ActivatedAt: time.Now(), Deadline: time.Now().Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, RouterInterfaceActive, ri.Status)

	reads = 0
	err = activityError(acts, acts.WaitRouterInterfaceActive,
		WaitRouterInterfaceActiveInput{RouterInterfaceRef: deactivateRef, Deadline: time.Now().Add(time.Minute)})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type(), "Inactive without our activate ends the wait")
}
