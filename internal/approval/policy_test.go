package approval

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/notify"
)

// team makes a key for each of the test policies' principals and the
// allowed_signers file listing them.
func team(t testing.TB) (allowedSigners string, keys map[string]testKey) {
	t.Helper()
	keys = map[string]testKey{}
	var b strings.Builder
	for _, p := range []string{"alice@example.com", "bob@example.com", "carol@example.com", "sec@example.com"} {
		keys[p] = newKey(t, "ed25519")
		fmt.Fprintf(&b, "%s %s %s\n", p, keys[p].authorizedKey(), strings.TrimSuffix(p, "@example.com"))
	}
	return b.String(), keys
}

// testPolicy is a policy with a rule of each kind: a regional rule asking
// two groups, an exemption in a dev region, a catch-all for the network
// workflows.
const testPolicy = `groups:
  netops: [alice@example.com, bob@example.com, carol@example.com]
  security: [sec@example.com]
allowedSigners: allowed_signers
rules:
  - workflows: [NetworkChange, NetworkFleet]
    regions: [cn-hangzhou]
    require: true
    approvals:
      - {group: netops, count: 2}
      - {group: security, count: 1}
    remindAfter: 4h
    escalateAfter: 1d
    escalateTo: security
    timeout: 72h
  - workflows: [NetworkChange]
    regions: [cn-dev]
    require: false
    approvals:
      - {group: security, count: 1}
  - workflows: [NetworkChange, NetworkFleet]
    require: true
    approvals:
      - {group: netops, count: 1}
    rejects: 2
    selfApproval: true
  - workflows: [PublishVpcRoutes]
    require: false
    requireRequester: true
`

func loadTestPolicy(t *testing.T) (*Policy, map[string]testKey) {
	t.Helper()
	signers, keys := team(t)
	dir := writeFiles(t, map[string]string{"policy.yaml": testPolicy, "allowed_signers": signers})
	p, err := Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)
	return p, keys
}

func TestRequirementOfTheMatchingRule(t *testing.T) {
	p, keys := loadTestPolicy(t)
	req, err := p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-hangzhou", RequestedBy: "dave@example.com"})
	require.NoError(t, err)

	netops := []string{"alice@example.com", "bob@example.com", "carol@example.com"}
	security := []string{"sec@example.com"}
	assert.True(t, req.Required)
	assert.Equal(t, "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou)", req.Rule)
	assert.Equal(t, []contract.ApprovalNeed{
		{Group: "netops", Members: netops, Count: 2},
		{Group: "security", Members: security, Count: 1},
	}, req.Needs)
	assert.Equal(t, 3, req.Approvals)
	assert.Equal(t, 1, req.Rejects)
	assert.False(t, req.SelfApproval)
	assert.False(t, req.AllowUnsigned)
	assert.False(t, req.Notify, "Notify is the caller's to set")
	assert.Equal(t, "dave@example.com", req.RequestedBy)
	assert.Equal(t, contract.Duration(4*time.Hour), req.RemindAfter)
	assert.Equal(t, contract.Duration(24*time.Hour), req.EscalateAfter)
	assert.Equal(t, &contract.ApprovalNeed{Group: "security", Members: security, Count: 1}, req.EscalateTo)
	assert.Equal(t, contract.Duration(72*time.Hour), req.Timeout)

	// Every allowed signer, its key as authorized_keys writes it.
	require.Len(t, req.Signers, 4)
	assert.Equal(t, []string{"alice@example.com"}, req.Signers[0].Principals)
	assert.Equal(t, keys["alice@example.com"].authorizedKey(), req.Signers[0].Key)
	assert.Regexp(t, `^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$`, req.Signers[0].Key)

	// The requirement is a copy: changing it leaves the policy as it was.
	req.Needs[0].Members[0] = "mallory@example.com"
	req.Signers[0].Principals[0] = "mallory@example.com"
	again, err := p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-hangzhou", RequestedBy: "dave@example.com"})
	require.NoError(t, err)
	assert.Equal(t, netops, again.Needs[0].Members)
	assert.Equal(t, []string{"alice@example.com"}, again.Signers[0].Principals)
}

func TestRequirementFirstMatchingRuleWins(t *testing.T) {
	p, _ := loadTestPolicy(t)
	for _, tc := range []struct {
		ask  contract.ApprovalAsk
		rule string
		need string
	}{
		{contract.ApprovalAsk{Workflow: "NetworkFleet", RegionId: "cn-hangzhou"}, "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou)", "netops"},
		// rules[0] is for cn-hangzhou only: the catch-all after it.
		{contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-beijing"}, "rules[2] (NetworkChange, NetworkFleet)", "netops"},
		// rules[1] exempts NetworkChange in cn-dev, not NetworkFleet.
		{contract.ApprovalAsk{Workflow: "NetworkFleet", RegionId: "cn-dev"}, "rules[2] (NetworkChange, NetworkFleet)", "netops"},
		// A fleet naming no region may touch cn-hangzhou: rules[0] applies.
		{contract.ApprovalAsk{Workflow: "NetworkFleet"}, "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou)", "netops"},
		// So does one with a change there among others.
		{contract.ApprovalAsk{Workflow: "NetworkFleet", Regions: []string{"cn-beijing", "cn-hangzhou"}}, "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou)", "netops"},
		{contract.ApprovalAsk{Workflow: "NetworkFleet", Regions: []string{"cn-beijing"}}, "rules[2] (NetworkChange, NetworkFleet)", "netops"},
		// rules[1] exempts NetworkChange in cn-dev only: not a change that
		// names no region, nor one also elsewhere.
		{contract.ApprovalAsk{Workflow: "NetworkChange"}, "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou)", "netops"},
		{contract.ApprovalAsk{Workflow: "NetworkChange", Regions: []string{"cn-dev", "cn-beijing"}}, "rules[2] (NetworkChange, NetworkFleet)", "netops"},
	} {
		req, err := p.Requirement(tc.ask)
		require.NoError(t, err)
		assert.True(t, req.Required, "%+v", tc.ask)
		assert.Equal(t, tc.rule, req.Rule, "%+v", tc.ask)
		assert.Equal(t, tc.need, req.Needs[0].Group, "%+v", tc.ask)
	}

	req, err := p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-beijing"})
	require.NoError(t, err)
	assert.Equal(t, 1, req.Approvals)
	assert.Equal(t, 2, req.Rejects)
	assert.True(t, req.SelfApproval)
	assert.Equal(t, contract.Duration(contract.DefaultApprovalTimeout), req.Timeout, "no timeout anywhere: the default")
	assert.Zero(t, req.RemindAfter)
	assert.Nil(t, req.EscalateTo)
}

func TestRequirementWithoutApproval(t *testing.T) {
	p, _ := loadTestPolicy(t)

	// Exempted by rules[1]; a change nothing matches.
	for _, ask := range []contract.ApprovalAsk{
		{Workflow: "NetworkChange", RegionId: "cn-dev", RequestedBy: "dave@example.com"},
		{Workflow: "ConnectRouterInterface", RegionId: "cn-hangzhou", RequestedBy: "dave@example.com"},
	} {
		req, err := p.Requirement(ask)
		require.NoError(t, err)
		assert.False(t, req.Required, "%+v", ask)
		assert.Equal(t, "dave@example.com", req.RequestedBy)
		assert.Empty(t, req.Needs)
		assert.Empty(t, req.Signers, "nothing waits: no signers to record")
	}
	req, err := p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-dev"})
	require.NoError(t, err)
	assert.Equal(t, "rules[1] (NetworkChange in cn-dev)", req.Rule, "the rule that exempted it is named")
	req, err = p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", Regions: []string{"cn-dev"}})
	require.NoError(t, err)
	assert.False(t, req.Required, "wholly in cn-dev")
	req, err = p.Requirement(contract.ApprovalAsk{Workflow: "ConnectRouterInterface"})
	require.NoError(t, err)
	assert.Empty(t, req.Rule)
}

func TestTheNotifySection(t *testing.T) {
	p, err := Parse([]byte("allowUnsigned: true\nnotify:\n  - name: netops-slack\n    kind: slack\n    url: env:VPCFLOW_SLACK_WEBHOOK\n    events: [awaiting-approval, failed]\n"), t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, notify.Config{{Name: "netops-slack", Kind: notify.KindSlack, URL: "env:VPCFLOW_SLACK_WEBHOOK", Events: []string{"awaiting-approval", "failed"}}}, p.Notify)
	assert.Empty(t, DevPolicy().Notify)
}

func TestRequirementInputAsksMoreNeverLess(t *testing.T) {
	p, _ := loadTestPolicy(t)
	hangzhou := func(a contract.Approval) contract.ApprovalAsk {
		return contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-hangzhou", Approval: &a}
	}

	// Less than the rule: the rule's.
	req, err := p.Requirement(hangzhou(contract.Approval{Required: false, Approvals: 1, Timeout: contract.Duration(100 * time.Hour)}))
	require.NoError(t, err)
	assert.True(t, req.Required)
	assert.Equal(t, 3, req.Approvals)
	assert.Equal(t, contract.Duration(72*time.Hour), req.Timeout)

	// More than the rule: the input's.
	req, err = p.Requirement(hangzhou(contract.Approval{Required: true, Approvals: 5, Timeout: contract.Duration(time.Hour)}))
	require.NoError(t, err)
	assert.Equal(t, 5, req.Approvals)
	assert.Equal(t, contract.Duration(time.Hour), req.Timeout)
	assert.Len(t, req.Needs, 2, "the rule's groups still")

	// An exemption still lets the input ask, and says who approves.
	req, err = p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-dev", Approval: &contract.Approval{Required: true}})
	require.NoError(t, err)
	assert.True(t, req.Required)
	assert.Equal(t, "rules[1] (NetworkChange in cn-dev)", req.Rule)
	assert.Equal(t, "security", req.Needs[0].Group)
	assert.Equal(t, 1, req.Approvals)

	// No rule: the input alone, approved by anyone allowed.
	req, err = p.Requirement(contract.ApprovalAsk{Workflow: "ConnectRouterInterface", Approval: &contract.Approval{Required: true, Approvals: 2, RequestedBy: "dave@example.com"}})
	require.NoError(t, err)
	assert.True(t, req.Required)
	assert.Empty(t, req.Rule)
	assert.Empty(t, req.Needs)
	assert.Equal(t, 2, req.Approvals)
	assert.Equal(t, 1, req.Rejects)
	assert.False(t, req.SelfApproval, "four eyes by default")
	assert.Equal(t, "dave@example.com", req.RequestedBy, "Approval.RequestedBy when the ask names no one")
	assert.Equal(t, contract.Duration(contract.DefaultApprovalTimeout), req.Timeout)
	assert.Len(t, req.Signers, 4)

	req, err = p.Requirement(contract.ApprovalAsk{Workflow: "ConnectRouterInterface", RequestedBy: "erin@example.com", Approval: &contract.Approval{Required: true, RequestedBy: "dave@example.com"}})
	require.NoError(t, err)
	assert.Equal(t, 1, req.Approvals, "at least one")
	assert.Equal(t, "erin@example.com", req.RequestedBy, "the ask's RequestedBy first")
}

func TestRequirementRequireRequester(t *testing.T) {
	p, _ := loadTestPolicy(t)
	_, err := p.Requirement(contract.ApprovalAsk{Workflow: "PublishVpcRoutes", RegionId: "cn-hangzhou"})
	require.EqualError(t, err, "approval policy rules[3] (PublishVpcRoutes) requires a change to name who asks for it: set Approval.RequestedBy (starter sets it to the user running it)")

	req, err := p.Requirement(contract.ApprovalAsk{Workflow: "PublishVpcRoutes", Approval: &contract.Approval{RequestedBy: "dave@example.com"}})
	require.NoError(t, err)
	assert.False(t, req.Required)
	assert.Equal(t, "dave@example.com", req.RequestedBy)
}

func TestNoPolicyFile(t *testing.T) {
	for name, p := range map[string]*Policy{"nil": nil, "DevPolicy": DevPolicy()} {
		req, err := p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-hangzhou"})
		require.NoError(t, err, name)
		assert.False(t, req.Required, name)

		req, err = p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-hangzhou",
			Approval: &contract.Approval{Required: true, Timeout: contract.Duration(time.Hour), RequestedBy: "dave"}})
		require.NoError(t, err, name)
		assert.Equal(t, contract.ApprovalRequirement{
			Required:      true,
			Approvals:     1,
			Rejects:       1,
			RequestedBy:   "dave",
			AllowUnsigned: true,
			Timeout:       contract.Duration(time.Hour),
		}, req, name)
		assert.Empty(t, p.Digest(), name)
	}
}

func TestTheDocumentedExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../../docs/approvals.md")
	require.NoError(t, err)
	policy := codeBlock(t, string(doc), "## The policy file", "```yaml\n")
	signers := codeBlock(t, string(doc), "### The allowed_signers file", "```\n")
	dir := writeFiles(t, map[string]string{"policy.yaml": policy, "allowed_signers": signers})
	p, err := Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)

	req, err := p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-shanghai", RequestedBy: "dave@example.com"})
	require.NoError(t, err)
	assert.Equal(t, "rules[0] (NetworkChange, NetworkFleet in cn-hangzhou, cn-shanghai)", req.Rule)
	assert.Equal(t, 3, req.Approvals)
	assert.Equal(t, contract.Duration(72*time.Hour), req.Timeout)
	assert.Len(t, req.Signers, 4)

	_, err = p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", RegionId: "cn-shanghai"})
	require.ErrorContains(t, err, "set Approval.RequestedBy")

	// The package doc's example is the same policy, shorter: it loads too.
	pkgDoc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	start := strings.Index(string(pkgDoc), "//\tgroups:")
	require.GreaterOrEqual(t, start, 0)
	var example strings.Builder
	for _, line := range strings.Split(string(pkgDoc)[start:], "\n") {
		code, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			break
		}
		example.WriteString(code + "\n")
	}
	dir = writeFiles(t, map[string]string{"policy.yaml": example.String(), "allowed_signers": signers})
	_, err = Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)
}

// codeBlock is the first code block opening with fence after heading.
func codeBlock(t *testing.T, doc, heading, fence string) string {
	t.Helper()
	_, after, found := strings.Cut(doc, "\n"+heading+"\n")
	require.True(t, found, "docs/approvals.md has no %q", heading)
	_, after, found = strings.Cut(after, "\n"+fence)
	require.True(t, found, "no %q block under %q", fence, heading)
	block, _, found := strings.Cut(after, "\n```\n")
	require.True(t, found)
	return block + "\n"
}

// head is a policy's first five lines: its rules start on line 6.
const head = `allowUnsigned: true
groups:
  netops: [alice, bob, carol]
  security: [sec]
rules:
`

func TestPolicyProblems(t *testing.T) {
	var big strings.Builder
	for i := range contract.MaxApprovals + 1 {
		fmt.Fprintf(&big, "p%d, ", i)
	}
	for _, tc := range []struct{ policy, want string }{
		{head + "  - require: true\n    approvals:\n      - {group: secops, count: 1}\n",
			`line 8: rules[0].approvals[0].group: group "secops" is not defined (define it under groups)`},
		{head + "  - require: true\n    approvals:\n      - {group: netops, count: 0}\n",
			`line 8: rules[0].approvals[0].count: count 0: at least 1`},
		{head + "  - require: true\n    approvals:\n      - {group: netops, count: 4}\n",
			`line 8: rules[0].approvals[0].count: count 4 is more than the 3 members of group netops`},
		{head + "  - require: true\n    approvals:\n      - group: netops\n",
			`line 8: rules[0].approvals[0]: set count: how many members of netops approve`},
		{head + "  - require: true\n    approvals:\n      - {group: netops, count: 1}\n      - {group: netops, count: 1}\n",
			`line 9: rules[0].approvals[1].group: group netops is listed twice: give one count`},
		{"allowUnsigned: true\ngroups:\n  big: [" + big.String() + "]\nrules:\n  - require: true\n    approvals:\n      - {group: big, count: 21}\n",
			`line 6: rules[0].approvals: 21 approvals in all: at most 20`},
		{head + "  - require: true\n    remindAfter: 2d\n    escalateAfter: 1d\n    escalateTo: security\n    timeout: 3d\n",
			`line 7: rules[0].remindAfter: 2d is not before escalateAfter 1d`},
		{head + "  - require: true\n    escalateAfter: 72h\n    escalateTo: security\n    timeout: 72h\n",
			`line 7: rules[0].escalateAfter: 72h is not before timeout 72h`},
		{head + "  - require: true\n    remindAfter: 25h\n",
			`line 7: rules[0].remindAfter: 25h is not before the default timeout 24h0m0s`},
		{head + "  - require: true\n    timeout: 8d\n",
			`line 7: rules[0].timeout: 8d is longer than a change may wait, 168h0m0s (7 days)`},
		{head + "  - require: true\n    remindAfter: 4x\n",
			`line 7: rules[0].remindAfter: "4x" is not a duration: write it like 90m, 4h, 1h30m, 2d or 1d12h`},
		{head + "  - require: true\n    remindAfter: -1h\n",
			`line 7: rules[0].remindAfter: "-1h" is not a duration`},
		{head + "  - require: true\n    timeout: 0s\n",
			`line 7: rules[0].timeout: "0s": a duration here is more than 0`},
		{head + "  - require: true\n    escalateAfter: 1h\n",
			`line 7: rules[0].escalateAfter: set escalateTo too: the group whose members may approve after 1h`},
		{head + "  - require: true\n    escalateAfter: 1h\n    escalateTo: secops\n",
			`line 8: rules[0].escalateTo: group "secops" is not defined (define it under groups)`},
		{head + "  - require: true\n    escalateTo: security\n",
			`line 7: rules[0].escalateTo: set escalateAfter too: how long the change waits before escalating to security`},
		{head + "  - workflows: [NetworkChange]\n",
			`line 6: rules[0]: set require: true (matching changes wait for approval) or require: false (they need none unless their input asks)`},
		{head + "  - require: true\n    rejects: 0\n",
			`line 7: rules[0].rejects: rejects 0: between 1 and 20`},
		{head + "  - require: true\n    workflows: [NetworkChange, '']\n",
			`line 7: rules[0].workflows[1]: an empty workflow type name`},
		{head + "  - require: true\n    workflows: [NetworkChnage]\n",
			`line 7: rules[0].workflows[0]: "NetworkChnage" is not a vpcflow workflow (the workflows are ConnectRouterInterface, PublishVpcRoutes, `},
		{"allowUnsigned: true\ngroups:\n  netops: [alice, bob, alice]\n",
			`line 3: groups.netops[2]: alice is listed twice`},
		{"allowUnsigned: true\ngroups:\n  netops: []\n",
			`line 3: groups.netops: the group has no members`},
		{"allowUnsigned: true\ngroups:\n  netops: [alice, 'bob smith']\n",
			`line 3: groups.netops[1]: "bob smith" is not a principal as allowed_signers writes one (no spaces, commas, quotes or wildcards)`},

		// What the yaml package finds, in the policy's words.
		{head + "  - require: true\n    requires: true\n",
			`line 7: unknown key "requires" in a rule (the keys are workflows, regions, require, approvals, rejects, selfApproval, requireRequester, remindAfter, escalateAfter, escalateTo, timeout)`},
		{"allowUnsignd: true\n",
			`line 1: unknown key "allowUnsignd" at the top of the policy (the keys are groups, allowedSigners, allowUnsigned, rules, notify)`},
		{head + "  - require: true\n    approvals:\n      - {group: netops, cuont: 1}\n",
			`line 8: unknown key "cuont" in an approval (the keys are group, count)`},
		{head + "  - require: true\n    approvals:\n      - {group: netops, count: two}\n",
			"line 8: cannot unmarshal !!str `two` into int"},
		{head + "  - require: yes please\n",
			"line 6: cannot unmarshal !!str `yes please` into bool"},
		{"allowUnsigned: true\nnotify:\n  - {name: a, kind: generic, url: env:A}\n  - name: b\n    kind: slack\n    url: env:B\n    secret: s3cret-s3cret-s3cret\n",
			`line 7: notify[1].secret: a literal secret is refused: use env:NAME or file:PATH`},
		{"allowUnsigned: true\nnotify:\n  - {name: a, kind: generic, url: env:A, events: [approved, aproved]}\n",
			`line 3: notify[0].events[1]: "aproved" is not an event`},
		{"allowUnsigned: true\nnotify:\n  - {name: a, kind: generic, url: env:A, secrets: env:S}\n",
			`line 3: unknown key "secrets" in a notify target (the keys are name, kind, url, secret, events)`},
		{"allowUnsigned: true\nallowUnsigned: false\n",
			`line 2: mapping key "allowUnsigned" already defined at line 1`},
		{"allowUnsigned: true\nrules: [\n",
			`line 2: did not find expected node content`},
		{"allowUnsigned: true\n---\nallowUnsigned: false\n",
			`line 2: a second YAML document: the policy is one document (remove the ---)`},
	} {
		_, err := Parse([]byte(tc.policy), t.TempDir())
		require.Error(t, err, tc.policy)
		assert.Contains(t, err.Error(), tc.want, tc.policy)
	}
}

func TestPolicySignerProblems(t *testing.T) {
	signers, _ := team(t)
	groups := "groups:\n  netops: [alice@example.com, bob@example.com, dave@example.com]\n"
	for _, tc := range []struct {
		policy string
		files  map[string]string
		want   string
	}{
		{groups, nil,
			`line 1: allowedSigners: not set: name the allowed_signers file that lists the keys approvers sign with (or set allowUnsigned: true to accept unsigned decisions)`},
		{groups + "allowedSigners: nope\n", nil,
			`line 3: allowedSigners: open `},
		{groups + "allowedSigners: allowed_signers\n", map[string]string{"allowed_signers": signers},
			`line 2: groups.netops[2]: dave@example.com has no key in `},
		{groups + "allowedSigners: allowed_signers\n", map[string]string{"allowed_signers": "# nobody yet\n"},
			`allowed_signers lists no key: no decision could ever be signed`},
		{groups + "allowedSigners: allowed_signers\nallowUnsigned: true\n", map[string]string{"allowed_signers": signers + "*@example.com " + newKey(t, "ed25519").authorizedKey() + "\n"},
			`allowed_signers:5: principal "*@example.com" is a pattern: only exact principals are supported, list each one`},
	} {
		dir := writeFiles(t, tc.files)
		_, err := Parse([]byte(tc.policy), dir)
		require.Error(t, err, tc.policy)
		assert.Contains(t, err.Error(), tc.want, tc.policy)
	}

	// With allowUnsigned, a member may have no key.
	dir := writeFiles(t, map[string]string{"allowed_signers": signers})
	_, err := Parse([]byte(groups+"allowedSigners: allowed_signers\nallowUnsigned: true\n"), dir)
	require.NoError(t, err)
	_, err = Parse([]byte("allowUnsigned: true\n"), dir)
	require.NoError(t, err)
	_, err = Parse(nil, dir)
	require.ErrorContains(t, err, "allowedSigners: not set", "an empty file is a policy with nothing set")
}

func TestEveryProblemIsReportedInOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{"policy.yaml": head +
		"  - require: true\n    timeout: 8d\n" +
		"  - approvals:\n      - {group: secops, count: 1}\n"})
	_, err := Load(filepath.Join(dir, "policy.yaml"))
	require.Error(t, err)
	name := filepath.Join(dir, "policy.yaml")
	assert.Equal(t, strings.Join([]string{
		name + ":7: rules[0].timeout: 8d is longer than a change may wait, 168h0m0s (7 days)",
		name + ":8: rules[1]: set require: true (matching changes wait for approval) or require: false (they need none unless their input asks)",
		name + `:9: rules[1].approvals[0].group: group "secops" is not defined (define it under groups)`,
	}, "\n"), err.Error())

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "reading the approval policy: open ")
}

func TestDigest(t *testing.T) {
	signers, _ := team(t)
	dir := writeFiles(t, map[string]string{"policy.yaml": testPolicy, "allowed_signers": signers})
	p1, err := Load(filepath.Join(dir, "policy.yaml"))
	require.NoError(t, err)
	p2, err := Parse([]byte(testPolicy), dir)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^sha256:[0-9a-f]{64}$`), p1.Digest())
	assert.Equal(t, p1.Digest(), p2.Digest(), "the same files, the same digest")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte(signers+"# a comment\n"), 0o600))
	p3, err := Parse([]byte(testPolicy), dir)
	require.NoError(t, err)
	assert.NotEqual(t, p1.Digest(), p3.Digest(), "allowed_signers is part of the digest")

	p4, err := Parse([]byte(testPolicy+"# a comment\n"), dir)
	require.NoError(t, err)
	assert.NotEqual(t, p3.Digest(), p4.Digest())
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"90m": 90 * time.Minute, "4h": 4 * time.Hour, "1h30m": 90 * time.Minute,
		"2d": 48 * time.Hour, "1d12h": 36 * time.Hour, "7d": contract.MaxApprovalTimeout,
	} {
		got, err := parseDuration(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
	for _, s := range []string{"", "d", "2", "2x", "-2d", "+2d", "2d-1h", "1.5d", "0d", "0", "99999999999999999999d"} {
		_, err := parseDuration(s)
		assert.Error(t, err, s)
	}
}

// Parse never panics, whatever the policy file holds.
func FuzzParse(f *testing.F) {
	f.Add([]byte(testPolicy))
	f.Add([]byte(head + "  - require: true\n    approvals:\n      - {group: netops, count: 2}\n    timeout: 1d12h\n"))
	f.Add([]byte("a: &a [*a, *a]\nrules: *a\n"))
	f.Add([]byte("rules:\n  - require: true\n    remindAfter: 9999999999d\n"))
	dir := writeFiles(f, map[string]string{"allowed_signers": "alice " + newKey(f, "ed25519").authorizedKey() + "\n"})
	f.Fuzz(func(t *testing.T, policy []byte) {
		p, err := Parse(policy, dir)
		if err == nil {
			_, _ = p.Requirement(contract.ApprovalAsk{Workflow: "NetworkChange", Approval: &contract.Approval{Required: true}})
		}
	})
}
