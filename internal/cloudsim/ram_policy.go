package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// RAMPolicy is an Alibaba Cloud RAM policy document bound to an AccessKey
// (AccessKeyFixture.Policy): the key may call an action only when a
// statement allows it ("vpc:ConnectRouterInterface", "vpc:Describe*",
// "vpc:*") and none denies it; the resource is not checked. Anything else
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

// Allows tells whether the policy lets its identity call ramAction.
func (p RAMPolicy) Allows(ramAction string) bool {
	allowed := false
	for _, st := range p.Statement {
		if !st.matches(ramAction) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

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

// ramDenied is the answer to a key whose policy does not allow action.
func ramDenied(key *accessKey, action string) *apiError {
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
