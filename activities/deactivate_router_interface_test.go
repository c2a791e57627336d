package activities

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities/activitiestest"
	"github.com/vpcflow/vpcflow/contract"
)

var deactivateRef = RouterInterfaceRef{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-init1"}

// A deactivate refused because the interface is not Active is settled by
// reading: Deactivating (a lost answer of an earlier attempt) is success,
// Active (the read lags) is retried, Idle is the end.
func TestDeactivateRefusalsAreSettledByReading(t *testing.T) {
	cases := []struct {
		code, status string
		already      bool
		nonRetryable bool
	}{
		{"IncorrectRIStatus", RouterInterfaceDeactivating, true, false},
		{"IncorrectStatus", RouterInterfaceInactive, true, false}, // the document's older code
		{"IncorrectRIStatus", RouterInterfaceActive, false, false},
		{"IncorrectRIStatus", RouterInterfaceActivating, false, false},
		{"IncorrectRIStatus", RouterInterfaceIdle, false, true},
	}
	for _, c := range cases {
		t.Run(c.code+" "+c.status, func(t *testing.T) {
			fake := &activitiestest.FakeVPC{
				OnDeactivateRouterInterface: func(*vpc.DeactivateRouterInterfaceRequest) (*vpc.DeactivateRouterInterfaceResponse, error) {
					return nil, activitiestest.AliError(400, c.code, "RID-REFUSED")
				},
				OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
					return activitiestest.RouterInterfaces("RID-READ", initiator(c.status)), nil
				},
			}
			acts := &CloudActivities{VPC: fake}
			res, err := runActivity[DeactivateRouterInterfaceResult](acts, acts.DeactivateRouterInterface, deactivateRef)
			if c.already {
				require.NoError(t, err)
				assert.True(t, res.AlreadyDeactivating)
				assert.Equal(t, []string{"RID-REFUSED", "RID-READ"}, res.RequestIds)
				return
			}
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			assert.Equal(t, c.nonRetryable, appErr.NonRetryable())
		})
	}
}

func TestDeactivate(t *testing.T) {
	fake := &activitiestest.FakeVPC{
		OnDeactivateRouterInterface: func(r *vpc.DeactivateRouterInterfaceRequest) (*vpc.DeactivateRouterInterfaceResponse, error) {
			assert.Equal(t, "ri-init1", r.RouterInterfaceId)
			return &vpc.DeactivateRouterInterfaceResponse{RequestId: "RID-DEACTIVATE"}, nil
		},
	}
	acts := &CloudActivities{VPC: fake}
	res, err := runActivity[DeactivateRouterInterfaceResult](acts, acts.DeactivateRouterInterface, deactivateRef)
	require.NoError(t, err)
	assert.Equal(t, "RID-DEACTIVATE", res.RequestId)
	assert.False(t, res.AlreadyDeactivating)
}

// The wait for Inactive takes Active right after the deactivate as a
// lagging read, and Active past the grace as someone activating it again.
func TestWaitRouterInterfaceInactive(t *testing.T) {
	status := RouterInterfaceActive
	fake := &activitiestest.FakeVPC{
		OnDescribeRouterInterfaces: func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
			s := status
			status = RouterInterfaceInactive
			return activitiestest.RouterInterfaces("RID-READ", initiator(s)), nil
		},
	}
	acts := &CloudActivities{VPC: fake, Poll: PollSchedule{First: time.Millisecond, Max: time.Millisecond, Factor: 1, Static: true}}
	env := newActivityEnv(acts)
	in := WaitRouterInterfaceInactiveInput{RouterInterfaceRef: deactivateRef, DeactivatedAt: time.Now(), Deadline: time.Now().Add(time.Minute)}
	ri, err := runIn[RouterInterface](env, acts.WaitRouterInterfaceInactive, in)
	require.NoError(t, err)
	assert.Equal(t, RouterInterfaceInactive, ri.Status)

	status = RouterInterfaceActive
	fake.OnDescribeRouterInterfaces = func(*vpc.DescribeRouterInterfacesRequest) (*vpc.DescribeRouterInterfacesResponse, error) {
		return activitiestest.RouterInterfaces("RID-READ", initiator(RouterInterfaceActive)), nil
	}
	in.DeactivatedAt = time.Now().Add(-time.Hour)
	_, err = env.ExecuteActivity(acts.WaitRouterInterfaceInactive, in)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	assert.Equal(t, contract.UnreachableStateType, appErr.Type())
}
