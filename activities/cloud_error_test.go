package activities

import (
	"context"
	"strings"
	"testing"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

const tenginePage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
	"<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"

// A proxy's or load balancer's HTML page, which both SDKs hand over as the
// message, is a transient failure whose message says what answered.
func TestAnHTMLPageIsSummarised(t *testing.T) {
	for name, err := range map[string]error{
		"alibaba": alierrors.NewServerError(502, tenginePage, ""),
		"huawei":  &sdkerr.ServiceResponseError{StatusCode: 502, ErrorMessage: tenginePage},
	} {
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, CloudError(context.Background(), "Op", "res", err), &appErr, name)
		assert.False(t, appErr.NonRetryable(), name)
		assert.Equal(t, "HTTP502", appErr.Type(), name)
		assert.Contains(t, appErr.Error(), `an HTML page ("502 Bad Gateway", 152 bytes) instead of the API's answer`, name)
		assert.NotContains(t, appErr.Error(), "<", name)
	}
}

func TestALongMessageIsCut(t *testing.T) {
	long := strings.Repeat("x", 10000)
	msg := answerMessage(long)
	assert.Less(t, len(msg), maxAnswerMessage+50)
	assert.True(t, strings.HasSuffix(msg, "... (10000 bytes)"), msg)
	assert.Equal(t, "short", answerMessage("short"))
	assert.Contains(t, answerMessage("<html><body>no title</body></html>"), `("no title"`)
}
