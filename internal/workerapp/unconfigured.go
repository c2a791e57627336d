package workerapp

import (
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/activities"
)

// unconfiguredAPIG stands in for the APIG client of a worker started without
// Huawei Cloud credentials: its workflows fail at once saying what to set,
// while the Alibaba Cloud workflows run.
type unconfiguredAPIG struct{ reason error }

func (u unconfiguredAPIG) ListEndpointConnections(*model.ListEndpointConnectionsRequest) (*model.ListEndpointConnectionsResponse, error) {
	return nil, temporal.NewNonRetryableApplicationError(
		"this worker has no Huawei Cloud client: "+u.reason.Error(), activities.HuaweiCloudNotConfiguredType, nil)
}
