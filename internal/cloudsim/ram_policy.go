package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// RAMPolicy is an Alibaba Cloud RAM policy document bound to an AccessKey
// (AccessKeyFixture.Policy): the key may call an action on a resource only
// when a statement allows it ("vpc:ConnectRouterInterface", "vpc:Describe*",
// "vpc:*") for that resource (an ARN, with * and ? wildcards: "*",
// "acs:vpc:cn-hangzhou:*:routerinterface/ri-*") and none denies it. The
// resources of a call are those its API's RAM authorization names
// (ramResources). Anything else
// is answered as RAM answers an identity without the permission: 403
// Forbidden.RAM with an AccessDeniedDetail naming the action (RAM's "How
// to troubleshoot an access denied error", and the ECS announcement of
// the same answer for query APIs).
type RAMPolicy struct {
	Version   string         `json:"Version" yaml:"Version"`
	Statement []RAMStatement `json:"Statement" yaml:"Statement"`
}

// RAMStatement is one statement of a RAMPolicy.
type RAMStatement struct {
	Effect   string        `json:"Effect" yaml:"Effect"` // Allow or Deny
	Action   policyStrings `json:"Action" yaml:"Action"`
	Resource policyStrings `json:"Resource,omitempty" yaml:"Resource,omitempty"`
}

// policyStrings is an Action or Resource: one string or a list.
type policyStrings []string

func (p *policyStrings) UnmarshalJSON(data []byte) error {
	var one string
	if json.Unmarshal(data, &one) == nil {
		*p = policyStrings{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("a policy's Action or Resource is a string or a list of strings: %w", err)
	}
	*p = many
	return nil
}

// Validate says what makes the policy one RAM would refuse.
func (p RAMPolicy) Validate() error {
	if p.Version != "1" {
		return fmt.Errorf("RAM policy Version %q: want \"1\"", p.Version)
	}
	for i, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return fmt.Errorf("RAM policy Statement %d: Effect %q is not Allow or Deny", i, st.Effect)
		}
		if len(st.Action) == 0 {
			return fmt.Errorf("RAM policy Statement %d has no Action", i)
		}
	}
	return nil
}

// Allows tells whether the policy lets its identity call ramAction on
// every one of resources.
func (p RAMPolicy) Allows(ramAction string, resources []string) bool {
	for _, resource := range resources {
		if !allowedBy(p.Statement, func(st RAMStatement) (bool, string) {
			return st.matches(ramAction) && st.covers(resource), st.Effect
		}) {
			return false
		}
	}
	return true
}

// allowedBy evaluates a policy's statements as RAM and IAM do: allowed
// when a statement that applies allows and none that applies denies.
// applies says whether a statement applies, and its Effect.
func allowedBy[S any](statements []S, applies func(S) (bool, string)) bool {
	allowed := false
	for _, st := range statements {
		ok, effect := applies(st)
		if !ok {
			continue
		}
		if effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

// covers tells whether a statement's Resource names resource; a statement
// without one names every resource.
func (st RAMStatement) covers(resource string) bool {
	if len(st.Resource) == 0 {
		return true
	}
	for _, pattern := range st.Resource {
		if globMatch(pattern, resource) {
			return true
		}
	}
	return false
}

// globMatch matches s against a RAM pattern: * is any run of characters
// (slashes too), ? any one.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}

// ramResources are the ARNs a call acts on, as each API's RAM
// authorization names them: its router interface for ConnectRouterInterface,
// ActivateRouterInterface and DeactivateRouterInterface, each route table
// of its entries for PublishVpcRouteEntries and
// WithdrawVpcPublishedRouteEntries; the reads are authorized on all
// resources, here the account's region.
func ramResources(action string, params map[string]string, accountUID string) []string {
	arn := func(kind, id string) string {
		return fmt.Sprintf("acs:vpc:%s:%s:%s/%s", params["RegionId"], accountUID, kind, id)
	}
	switch action {
	case "ConnectRouterInterface", "ActivateRouterInterface", "DeactivateRouterInterface":
		return []string{arn("routerinterface", params["RouterInterfaceId"])}
	case "PublishVpcRouteEntries", "WithdrawVpcPublishedRouteEntries":
		var out []string
		seen := map[string]bool{}
		for n := 1; n <= maxRouteEntriesParam; n++ {
			table, ok := params[fmt.Sprintf("RouteEntries.%d.RouteTableId", n)]
			if !ok {
				break
			}
			if !seen[table] {
				seen[table] = true
				out = append(out, arn("routetable", table))
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []string{fmt.Sprintf("acs:vpc:%s:%s:*", params["RegionId"], accountUID)}
}

// maxRouteEntriesParam bounds the route entries a call's resources are read
// from: a publish takes 50.
const maxRouteEntriesParam = 50

func (st RAMStatement) matches(ramAction string) bool {
	for _, pattern := range st.Action {
		if prefix, wild := strings.CutSuffix(pattern, "*"); wild {
			if strings.HasPrefix(strings.ToLower(ramAction), strings.ToLower(prefix)) {
				return true
			}
		} else if strings.EqualFold(pattern, ramAction) {
			return true
		}
	}
	return false
}

// ramAction is the RAM action of an Alibaba Cloud API action: every
// action cloudsim serves is the VPC product's (the VPN Gateway APIs
// included).
func ramAction(action string) string { return "vpc:" + action }

// accessDeniedDetail is the AccessDeniedDetail of a Forbidden.RAM answer.
type accessDeniedDetail struct {
	AuthAction               string
	AuthPrincipalType        string
	AuthPrincipalOwnerId     string
	AuthPrincipalDisplayName string
	PolicyType               string
	NoPermissionType         string
	EncodedDiagnosticMessage string
}

// ramDenied is the answer to a key whose policy does not allow action: RAM's
// Forbidden.RAM with an AccessDeniedDetail, or, as some APIs answer, a
// plain code (Quirks.RAMDenialCode: Forbidden, NoPermission).
func ramDenied(key *accessKey, action, plainCode string) *apiError {
	if plainCode != "" {
		return newAPIError(http.StatusForbidden, plainCode, "You are not authorized to do this action.")
	}
	e := newAPIError(http.StatusForbidden, "Forbidden.RAM",
		"User not authorized to operate on the specified resource, or this API doesn't support RAM.")
	e.accessDenied = &accessDeniedDetail{
		AuthAction: ramAction(action), AuthPrincipalType: "SubUser", AuthPrincipalOwnerId: key.accountUID,
		AuthPrincipalDisplayName: key.id, PolicyType: "AccountLevelIdentityBasedPolicy", NoPermissionType: "ImplicitDeny",
	}
	return e
}

// BindPolicy binds the AccessKey id to a RAM policy (nil: none, every
// action allowed again but its deniedActions) until Reset. Calls in flight
// keep the binding they started with.
func (s *Server) BindPolicy(id string, p *RAMPolicy) error {
	if p != nil {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := s.world.accessKeys[id]
	if key == nil {
		return fmt.Errorf("cloudsim: no AccessKey %q", id)
	}
	bound := *key // a copy: a call holding the old key reads it unlocked
	bound.policy = p
	s.world.accessKeys[id] = &bound
	return nil
}
