package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/cloudsim"
	"github.com/vpcflow/vpcflow/internal/redact"
	"github.com/vpcflow/vpcflow/internal/stacktest"
)

// Secrets and key IDs the probes below plant.
const (
	hostileCLISecret = "hostileCliConfigSecret0000000000001"
	hostileCLIKeyID  = "LTAI5tHostileCliConfig01"
	hostileWrongKey  = "hostileWrongSecret00000000000000001"
)

// signatureMaterial is what a history, a log or an output must never hold
// of a signed Alibaba request: a copied URL with these would be a request
// anyone could send again (its nonce unused, since it never arrived).
var signatureMaterial = []string{"Signature=", "SignatureNonce", "Signature%3D", "AccessKeyId=", "AccessKeyId%3D", "string to sign is:POST"}

// loadInterface is the initiator of the i-th generated pair.
func loadInterface(i int) string {
	id, _ := cloudsim.LoadRouterInterfaceIDs(i)
	return id
}

func assertNoSignatureMaterial(t *testing.T, where, text string) {
	t.Helper()
	for _, m := range signatureMaterial {
		assert.NotContains(t, text, m, "%s holds signature material", where)
	}
	assert.Empty(t, leaks(text), "%s holds a secret", where)
}

// TestHostileInputAndLeaks reproduces, on the real stack (the worker binary
// as a process, the embedded server, cloudsim over HTTP, the real SDKs),
// each way a secret once reached a history or a log, and each input that
// once made a huge error or failed outside vpcflow's validation.
// docs/reliability.md section 11 has the table.
func TestHostileInputAndLeaks(t *testing.T) {
	needStack(t)
	cloud := startCloud(t, cloudsim.GenerateFixture(4), 20)
	addSecret(hostileCLISecret)
	addSecret(hostileWrongKey)

	t.Run("a credentials file its parser quotes whole", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		require.NoError(t, os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700))
		// Malformed (cut short): credentials-go quotes the whole file in its error.
		config := `{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"` + hostileCLIKeyID +
			`","access_key_secret":"` + hostileCLISecret + `","region_id":"cn-hangzhou"`
		require.NoError(t, os.WriteFile(filepath.Join(home, ".aliyun", "config.json"), []byte(config), 0o600))
		w := startWorker(t, "worker-cli-config", workerConfig{cloud: cloud, env: map[string]string{
			"HOME": home, "ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "",
		}})
		ctx := stacktest.Ctx(t, time.Minute)
		run := startWorkflow(ctx, t, tc, stacktest.ID(t, "connect"), contract.ConnectRouterInterface.Type, temporal.SearchAttributes{},
			connectInput(loadInterface(0)))
		err := run.Get(ctx, nil)
		require.Error(t, err)
		assert.Equal(t, contract.AlibabaCredentialsUnavailableType, stacktest.FailureType(err), "a configuration to fix: no retries for ten minutes")
		assert.Contains(t, err.Error(), "no Alibaba Cloud credentials")
		assert.Contains(t, err.Error(), "config.json", "the file is named")
		history, herr := historyJSON(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, herr)
		for where, text := range map[string]string{"the failure": err.Error(), "the history": history, "the worker's log": w.out.String()} {
			assert.NotContains(t, text, hostileCLISecret, where)
			assert.NotContains(t, text, hostileCLIKeyID, where)
			assert.Empty(t, leaks(text), where)
		}
		assert.Empty(t, cloud.callsOf("", func(c cloudsim.Call) bool { return c.Params["RouterInterfaceId"] == loadInterface(0) }), "no call went out")
		w.stop()
	})

	t.Run("a signed request URL in a network error", func(t *testing.T) {
		w := startWorker(t, "worker-lost-answer", workerConfig{cloud: cloud})
		require.NoError(t, cloud.SetQuirks(cloudsim.Quirks{LostResponses: map[string]int{"ConnectRouterInterface": 1}}))
		t.Cleanup(func() { _ = cloud.SetQuirks(cloudsim.Quirks{}) })
		ctx := stacktest.Ctx(t, time.Minute)
		run := startWorkflow(ctx, t, tc, stacktest.ID(t, "connect"), contract.ConnectRouterInterface.Type, temporal.SearchAttributes{},
			connectInput(loadInterface(1)))
		require.NoError(t, run.Get(ctx, nil), "the retry settles it")
		history, err := historyJSON(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, err)
		assert.Contains(t, history, "NetworkError", "the lost answer's failure is in the history")
		assert.Contains(t, history, "?"+redact.Redacted+`\": EOF`, "it still says what happened, to which host")
		assertNoSignatureMaterial(t, "the history", history)
		assertNoSignatureMaterial(t, "the worker's log", w.out.String())
		w.stop()
	})

	t.Run("the string a cloud signed", func(t *testing.T) {
		w := startWorker(t, "worker-wrong-secret", workerConfig{cloud: cloud, env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": hostileWrongKey}})
		ctx := stacktest.Ctx(t, time.Minute)
		run := startWorkflow(ctx, t, tc, stacktest.ID(t, "connect"), contract.ConnectRouterInterface.Type, temporal.SearchAttributes{},
			connectInput(loadInterface(2)))
		err := run.Get(ctx, nil)
		require.Error(t, err)
		assert.Equal(t, "SignatureDoesNotMatch", stacktest.FailureType(err))
		assert.Contains(t, err.Error(), "server string to sign is:"+redact.Redacted)
		history, herr := historyJSON(ctx, tc, run.GetID(), run.GetRunID())
		require.NoError(t, herr)
		assertNoSignatureMaterial(t, "the history", history)
		assertNoSignatureMaterial(t, "the worker's log", w.out.String())
		w.stop()
	})

	t.Run("what a service sends", func(t *testing.T) {
		w := startWorker(t, "worker-service-input", workerConfig{cloud: cloud})
		before := len(cloud.Calls(""))
		huge := map[string]any{"RegionId": cloudsim.DefaultRegionID, "RouterInterfaceId": loadInterface(3), "TargetType": "ECR",
			"TargetInstanceId": cloudsim.DefaultECRID, "VpnConnectionId": cloudsim.DefaultVpnConnectionID}
		expected := make([]map[string]string, 25_000) // 1.6 MB, under the server's 2 MB limit of a payload
		for i := range expected {
			expected[i] = map[string]string{"DestinationCidrBlock": fmt.Sprintf("10.%d.%d.0/24", i/256%256, i%256), "RouteEntryType": "bgp"}
		}
		huge["ExpectedRoutes"] = expected
		huge["RouteEntries"] = []map[string]string{{"RouteTableId": cloudsim.DefaultSystemRouteTableID, "DestinationCidrBlock": cloudsim.LoadRouteCIDR(3)}}
		bad := map[string]any{"RegionId": "Hangzhou", "RouteEntries": []map[string]string{}}
		entries := make([]map[string]string, 8000) // 1.4 MB of bad entries, under the server's 2 MB limit of a payload
		for i := range entries {
			entries[i] = map[string]string{"RouteTableId": "rtb-" + strings.Repeat("x", 100), "DestinationCidrBlock": "not/a/cidr-" + strings.Repeat("y", 60)}
		}
		bad["RouteEntries"] = entries
		ctx := stacktest.Ctx(t, time.Minute)
		for name, input := range map[string]any{
			"25,000 expected routes":   huge,
			"1.4 MB of bad entries":    bad,
			"raw bytes, not JSON":      []byte("RegionId=cn-hangzhou&RouterInterfaceId=" + loadInterface(3)),
			"a JSON string, no object": "network-change please",
		} {
			data, _ := json.Marshal(input)
			run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: stacktest.ID(t, name), TaskQueue: contract.TaskQueue},
				contract.NetworkChange.Type, input)
			require.NoError(t, err, name)
			err = run.Get(ctx, nil)
			require.Error(t, err, name)
			assert.Equal(t, contract.InvalidInputType, stacktest.FailureType(err), "%s: %v", name, err)
			assert.Less(t, len(err.Error()), 8000, "%s (%d bytes in) made a %d-byte error", name, len(data), len(err.Error()))
			measured(t, "%s: %d bytes in, %d bytes of error", name, len(data), len(err.Error()))
		}
		assert.Equal(t, before, len(cloud.Calls("")), "no cloud call for any of them")
		w.stop()
	})
}
