package cloudsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bigCall is a call with n parameters whose names and values are at the
// bounds.
func bigCall(action string, n int) Call {
	params := map[string]string{}
	for i := range n {
		name := fmt.Sprintf("%0*d", maxParamNameBytes, i)
		params[name] = strings.Repeat("v", maxRecordedValue)
	}
	return Call{Time: time.Now(), Cloud: "alibaba", Action: action, Params: params, Status: 200, RequestID: newAlibabaRequestID()}
}

func TestCallLogIsBoundedInBytes(t *testing.T) {
	const budget = 64 << 10
	l := newCallLog(maxRecordedCalls, budget)
	for i := range 100 {
		l.add(bigCall(fmt.Sprintf("A%d", i%2), 20)) // about 12 KiB each
		assert.LessOrEqual(t, l.bytes, budget)
	}
	kept := l.list("")
	require.NotEmpty(t, kept)
	assert.Less(t, len(kept), 10, "only what fits the budget is kept")
	assert.Equal(t, int64(100), kept[len(kept)-1].Seq, "the newest is kept")
	for i := 1; i < len(kept); i++ {
		assert.Equal(t, kept[i-1].Seq+1, kept[i].Seq, "the oldest are dropped first")
	}
	assert.Equal(t, 100, l.count(""), "CallCount counts dropped calls too")
	assert.Equal(t, 50, l.count("A0"))
	out, err := json.Marshal(kept)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(out), budget, "the JSON of the log stays within the budget")
	assert.LessOrEqual(t, cap(l.kept), 4*len(kept)+4, "the slice does not keep dropped calls")

	// Small calls are bounded by number.
	l = newCallLog(3, budget)
	for range 10 {
		l.add(Call{Action: "A"})
	}
	kept = l.list("A")
	require.Len(t, kept, 3)
	assert.Equal(t, []int64{8, 9, 10}, []int64{kept[0].Seq, kept[1].Seq, kept[2].Seq})
	assert.Equal(t, 10, l.count("A"))
}

// TestServedActionsAreAlwaysCounted: a flood of made-up action names
// fills the bounded counts, but cloudsim's own actions keep theirs.
func TestServedActionsAreAlwaysCounted(t *testing.T) {
	l := newCallLog(maxRecordedCalls, maxRecordedCallBytes)
	for i := range 2 * maxCountedActions {
		l.add(Call{Action: fmt.Sprintf("Forged%d", i)})
	}
	l.add(Call{Action: "ConnectRouterInterface"})
	l.add(Call{Action: huaweiActionListEndpointConnections})
	l.add(Call{Action: "ForgedAgain"})
	assert.Equal(t, 1, l.count("ConnectRouterInterface"))
	assert.Equal(t, 1, l.count(huaweiActionListEndpointConnections))
	assert.Equal(t, 0, l.count("ForgedAgain"))
	assert.Equal(t, maxCountedActions+1, l.count(otherActionsKey))
	assert.LessOrEqual(t, len(l.counts), maxCountedActions+len(alibabaActions)+2)
}

// TestEstimatedCallSizeBoundsItsJSON: whatever the bytes, the estimate is
// at least the JSON GET /_cloudsim/calls writes for the call.
func TestEstimatedCallSizeBoundsItsJSON(t *testing.T) {
	var every strings.Builder
	for b := range 256 {
		every.WriteByte(byte(b))
	}
	hostile := []string{"", "plain", every.String(), strings.Repeat("\x00", 300), strings.Repeat("<&>", 100),
		"\u2028\u2029", "名字+&=%", "\xff\xfe", "\"\\", strings.Repeat("\xe2\x80", 50)}
	for _, s := range hostile {
		c := Call{Seq: 1 << 62, Time: time.Now(), Cloud: s, Action: s, AccessKeyID: s, Code: s, Status: -1 << 62, RequestID: s,
			Params: map[string]string{s: s, s + "x": s}, Injected: true, Lost: true}
		escaped, err := json.Marshal(c)
		require.NoError(t, err)
		var unescaped bytes.Buffer
		require.NoError(t, newJSONEncoder(&unescaped).Encode(c))
		assert.GreaterOrEqual(t, estimatedCallSize(c), len(escaped), "%q", s)
		assert.GreaterOrEqual(t, estimatedCallSize(c), unescaped.Len(), "%q", s)
	}
}

// TestCallsAnswerIsBounded: through the server, the admin API's call log
// stays within the byte budget however large the calls.
func TestCallsAnswerIsBounded(t *testing.T) {
	e := newTestEnv(t, nil)
	const budget = 256 << 10
	e.srv.calls = newCallLog(maxRecordedCalls, budget)
	c := e.defaultVPC()
	for range 40 {
		req := vpc.CreateDescribeRouterInterfacesRequest()
		values := []string{}
		for v := range 50 {
			values = append(values, fmt.Sprintf("%d%s", v, strings.Repeat("\x01", 300))) // six bytes each in JSON
		}
		req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "Name", Value: &values}}
		_, err := c.DescribeRouterInterfaces(req)
		require.NoError(t, err)
	}
	resp, err := http.Get(e.http.URL + "/_cloudsim/calls")
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.LessOrEqual(t, len(raw), budget+1024, "the calls plus the counts")
	var ans callsAnswer
	require.NoError(t, json.Unmarshal(raw, &ans))
	assert.Equal(t, 40, ans.Counts["DescribeRouterInterfaces"])
	assert.Less(t, len(ans.Calls), 40)
	assert.Equal(t, 40, e.srv.CallCount(""))
}
