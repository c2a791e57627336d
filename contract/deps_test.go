package contract

import (
	"go/version"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// The module's go directive is the oldest Go release it can build with:
// the highest go directive among the modules of its build list (a service
// that imports the contract is held to it, so it must not be higher than
// it has to be). .ci/run runs the tests with that very release.
func TestTheGoDirectiveIsTheOldestTheDependenciesAllow(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Main}} {{.Path}} {{.GoVersion}}", "all").Output()
	require.NoError(t, err)
	var own, highest, highestModule string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue // a module without a go directive
		}
		v := "go" + fields[2]
		if fields[0] == "true" {
			own = v
			continue
		}
		if highest == "" || version.Compare(v, highest) > 0 {
			highest, highestModule = v, fields[1]
		}
	}
	require.NotEmpty(t, own)
	assert.Equal(t, highest, own, "go.mod says %s; %s needs %s, so that is the oldest it can say", own, highestModule, highest)
}
