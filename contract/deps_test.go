package contract

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A service that imports the contract links neither cloud SDK nor any of
// vpcflow's worker code: only the Temporal SDK and the standard library.
func TestContractLinksNoCloudSDKAndNoWorkerCode(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goCmd, "list", "-deps", "github.com/vpcflow/vpcflow/contract").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "go.temporal.io/sdk/client", "the list is the real one")
	forbidden := []string{
		"github.com/aliyun/",      // Alibaba Cloud SDK and credentials
		"github.com/huaweicloud/", // Huawei Cloud SDK
		"github.com/vpcflow/vpcflow/activities",
		"github.com/vpcflow/vpcflow/workflows",
		"github.com/vpcflow/vpcflow/internal/",
		"go.temporal.io/server",
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("contract depends on %s", dep)
			}
		}
	}
	t.Logf("contract links %d packages", len(deps))
}
