package notify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/vpcflow/vpcflow/contract"
)

const exampleYAML = `
notify:
  - name: netops-slack
    kind: slack
    url: env:VPCFLOW_SLACK_WEBHOOK
  - name: netops-dingtalk
    kind: dingtalk
    url: file:/run/secrets/dingtalk-url
    secret: env:VPCFLOW_DINGTALK_SECRET
    events: [awaiting-approval, approved, rejected, reminded, escalated, applied, failed, rolled-back, drifted]
  - name: audit
    kind: generic
    url: https://audit.example.com/vpcflow/events
    secret: file:/run/secrets/audit-hmac
    events: [approved, rejected, applied]
  - name: lark-oncall
    kind: lark
    url: env:VPCFLOW_LARK_WEBHOOK
    secret: env:VPCFLOW_LARK_SECRET
`

func TestTheSectionDecodesFromYAMLAndValidates(t *testing.T) {
	var doc struct {
		Notify Config `yaml:"notify"`
	}
	dec := yaml.NewDecoder(strings.NewReader(exampleYAML))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&doc))
	require.Len(t, doc.Notify, 4)
	assert.Equal(t, Target{Name: "audit", Kind: KindGeneric, URL: "https://audit.example.com/vpcflow/events",
		Secret: "file:/run/secrets/audit-hmac", Events: []string{"approved", "rejected", "applied"}}, doc.Notify[2])
	assert.NoError(t, doc.Notify.Validate())
	assert.ElementsMatch(t, Events, doc.Notify[1].Events, "the example lists every event")
}

func TestValidateNamesTheEntryAndQuotesNoSecret(t *testing.T) {
	const literalSecret = "SECd41d8cd98f00b204e9800998ecf8427e"
	const slackURL = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
	c := Config{
		{Name: "ok", Kind: KindGeneric, URL: "https://example.com/hook"},
		{Name: "ok2", Kind: KindSlack, URL: "env:SLACK"},
		{Name: "ding", Kind: KindDingTalk, URL: "env:DING", Secret: literalSecret},
		{Name: "slack", Kind: KindSlack, URL: slackURL},
		{Name: "ok", Kind: "teams", URL: "env:X"},
		{Kind: KindLark, URL: "env:1BAD"},
		{Name: "gen", Kind: KindGeneric, URL: "https://example.com/hook?token=abcdef123456", Events: []string{"approved", "deployed"}},
		{Name: "s2", Kind: KindSlack, URL: "env:S", Secret: "env:S_SECRET"},
		{Name: "ftp", Kind: KindGeneric, URL: "ftp://example.com/x"},
		{Name: "no url", Kind: KindGeneric},
	}
	err := c.Validate()
	require.Error(t, err)
	text := err.Error()
	t.Log(text)
	for _, want := range []string{
		"notify[2].secret: a literal secret is refused: use env:NAME or file:PATH",
		"notify[3].url: a literal URL is refused for kind slack (the URL is the webhook's secret): use env:NAME or file:PATH",
		`notify[4].name: "ok" is also notify[0]'s name`,
		`notify[4].kind: "teams": one of generic, slack, dingtalk, lark`,
		"notify[5].name: missing",
		"notify[5].url: env: must name an environment variable",
		"notify[6].url: a literal URL with a query or user info may carry a secret",
		`notify[6].events[1]: "deployed" is not an event`,
		"notify[7].secret: a slack incoming webhook is not signed",
		"notify[8].url: not an http(s) URL with a host",
		`notify[9].name: "no url": use up to 64 letters`,
		"notify[9].url: missing",
	} {
		assert.Contains(t, text, want)
	}
	for _, secret := range []string{literalSecret, "XXXXXXXXXXXXXXXXXXXXXXXX", "T0000/B0000", "abcdef123456"} {
		assert.NotContains(t, text, secret)
	}
	for _, line := range strings.Split(text, "\n") {
		assert.False(t, strings.HasPrefix(line, "notify[0].") || strings.HasPrefix(line, "notify[1]."), "a good entry has no problem: %s", line)
	}

	assert.NoError(t, Config(nil).Validate())
}

func TestNewNamesAnUnsetVariableNotAValue(t *testing.T) {
	t.Setenv("VPCFLOW_TEST_URL", "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef")
	_, err := New(Config{{Name: "d", Kind: KindDingTalk, URL: "env:VPCFLOW_TEST_URL", Secret: "env:VPCFLOW_TEST_UNSET"}}, nil)
	require.Error(t, err)
	assert.Equal(t, "notify[0].secret: environment variable VPCFLOW_TEST_UNSET is not set", err.Error())

	t.Setenv("VPCFLOW_TEST_SHORT", "SECshort")
	_, err = New(Config{{Name: "d", Kind: KindDingTalk, URL: "env:VPCFLOW_TEST_URL", Secret: "env:VPCFLOW_TEST_SHORT"}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "notify[0].secret: the secret in env:VPCFLOW_TEST_SHORT is shorter than 16 characters")
	assert.NotContains(t, err.Error(), "SECshort")

	notURL := "hooks.slack.com/services/T1/B2/" + strings.Repeat("Zz9", 8)
	t.Setenv("VPCFLOW_TEST_NOT_URL", notURL)
	_, err = New(Config{{Name: "s", Kind: KindSlack, URL: "env:VPCFLOW_TEST_NOT_URL"}}, nil)
	require.Error(t, err)
	assert.Equal(t, "notify[0].url: the value of env:VPCFLOW_TEST_NOT_URL is not an http(s) URL with a host", err.Error())

	t.Setenv("VPCFLOW_TEST_EMPTY", "  \n")
	_, err = New(Config{{Name: "s", Kind: KindSlack, URL: "env:VPCFLOW_TEST_EMPTY"}}, nil)
	require.EqualError(t, err, "notify[0].url: environment variable VPCFLOW_TEST_EMPTY is empty")

	dir := t.TempDir()
	_, err = New(Config{{Name: "s", Kind: KindSlack, URL: "file:" + filepath.Join(dir, "missing")}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "notify[0].url: cannot read "+filepath.Join(dir, "missing")+" (no such file or directory)")

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("\n"), 0o600))
	_, err = New(Config{{Name: "s", Kind: KindSlack, URL: "file:" + empty}}, nil)
	require.EqualError(t, err, "notify[0].url: file "+empty+" is empty")

	_, err = New(Config{{Name: "s", Kind: KindSlack, URL: "https://hooks.slack.com/services/x"}}, nil)
	require.Error(t, err, "New validates")
}

func TestAnEmptyConfigSendsNothing(t *testing.T) {
	for _, c := range []Config{nil, {}} {
		n, err := New(c, nil)
		require.NoError(t, err)
		assert.False(t, n.Enabled())
		assert.False(t, n.Wants(contract.EventApproved))
		out, err := n.Send(context.Background(), contract.ApprovalEvent{Event: contract.EventApproved})
		assert.NoError(t, err)
		assert.Empty(t, out)
	}
	var n *Notifier
	assert.False(t, n.Enabled())
	out, err := n.Send(context.Background(), contract.ApprovalEvent{Event: contract.EventApproved})
	assert.NoError(t, err)
	assert.Empty(t, out)
}
