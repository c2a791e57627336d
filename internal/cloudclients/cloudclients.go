// Package cloudclients builds the Alibaba Cloud VPC and Huawei Cloud APIG
// clients the worker's activities use, from the environment.
//
// Credentials come from each cloud's standard chain and never pass through
// vpcflow's configuration, workflow inputs, histories or logs:
//   - Alibaba Cloud: github.com/aliyun/credentials-go's default chain
//     (ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, the
//     ~/.alibabacloud/credentials profile, OIDC/RRSA, the ECS RAM role, a
//     credentials URI).
//   - Huawei Cloud: the SDK's environment provider (HUAWEICLOUD_SDK_AK,
//     HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID; the project ID is
//     required so the SDK never calls IAM to look it up).
package cloudclients

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	alicreds "github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/provider"
	apig "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2"
	apigregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/region"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/internal/redact"
)

// Environment variables that say where the clouds are.
const (
	EnvAlibabaRegion      = "ALIBABA_CLOUD_REGION_ID"
	EnvAlibabaVPCEndpoint = "VPCFLOW_ALIBABA_VPC_ENDPOINT"
	EnvHuaweiRegion       = "HUAWEICLOUD_SDK_REGION"
	EnvHuaweiAPIGEndpoint = "VPCFLOW_HUAWEI_APIG_ENDPOINT"
)

// Config says where the clouds are; it holds no secret.
type Config struct {
	// AlibabaRegionId is the VPC client's default region. Every request
	// names its own region, so one client serves them all.
	AlibabaRegionId string
	// AlibabaVPCEndpoint overrides the VPC endpoint: "http://127.0.0.1:8380"
	// for cloudsim, or a private endpoint. A value without http:// is
	// reached over HTTPS. Empty: the SDK's public endpoint of each region.
	AlibabaVPCEndpoint string
	// HuaweiRegion picks the APIG endpoint (apig.<region>.myhuaweicloud.com).
	HuaweiRegion string
	// HuaweiAPIGEndpoint overrides it, like AlibabaVPCEndpoint.
	HuaweiAPIGEndpoint string
}

// ConfigFromEnv reads Config from the environment.
func ConfigFromEnv(getenv func(string) string) Config {
	cfg := Config{
		AlibabaRegionId:    getenv(EnvAlibabaRegion),
		AlibabaVPCEndpoint: getenv(EnvAlibabaVPCEndpoint),
		HuaweiRegion:       getenv(EnvHuaweiRegion),
		HuaweiAPIGEndpoint: getenv(EnvHuaweiAPIGEndpoint),
	}
	if cfg.AlibabaRegionId == "" {
		cfg.AlibabaRegionId = "cn-hangzhou"
	}
	return cfg
}

// AlibabaCredentials is the credentials-go default chain, resolved lazily:
// a key that rotates (STS, RAM role) is fetched again when it expires.
func AlibabaCredentials() (credentials.Credential, error) {
	return credentials.NewCredential(nil)
}

// NewVPCClient builds the VPC client. The SDK's own retries stay off:
// Temporal retries, with backoff keyed on the error code.
func NewVPCClient(cfg Config, cred credentials.Credential) (*vpc.Client, error) {
	if cred == nil {
		return nil, errors.New("cloudclients: no Alibaba Cloud credentials")
	}
	config := sdk.NewConfig().WithAutoRetry(false).WithScheme("HTTPS")
	domain := cfg.AlibabaVPCEndpoint
	switch {
	case strings.HasPrefix(domain, "http://"):
		config.WithScheme("HTTP")
		domain = strings.TrimPrefix(domain, "http://")
	case strings.HasPrefix(domain, "https://"):
		domain = strings.TrimPrefix(domain, "https://")
	}
	client, err := vpc.NewClientWithOptions(cfg.AlibabaRegionId, config, credentialsChain{cred})
	if err != nil {
		return nil, fmt.Errorf("cloudclients: Alibaba Cloud VPC client: %w", err)
	}
	client.Domain = strings.TrimSuffix(domain, "/")
	return client, nil
}

// credentialsChain lets the Alibaba SDK read credentials-go's chain.
type credentialsChain struct{ cred credentials.Credential }

// CredentialsUnavailableType is the ApplicationError type of a call made
// without credentials because no source of the chain gave any.
const CredentialsUnavailableType = "AlibabaCredentialsUnavailable"

// GetCredentials resolves the chain. A chain that gives nothing is the
// worker's configuration to fix, not the cloud's to recover from: the call
// fails at once, naming the sources (redact removes what the sources'
// errors quote of a credentials file on the way out of the worker).
func (c credentialsChain) GetCredentials() (*alicreds.Credentials, error) {
	m, err := c.cred.GetCredential()
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			"no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or fix the "+
				"credentials file (ALIBABA_CLOUD_CREDENTIALS_FILE, ~/.alibabacloud/credentials, ~/.aliyun/config.json) or the "+
				"RAM role the chain found: "+redact.Secrets(err.Error()), CredentialsUnavailableType, nil)
	}
	return &alicreds.Credentials{
		AccessKeyId:     deref(m.AccessKeyId),
		AccessKeySecret: deref(m.AccessKeySecret),
		SecurityToken:   deref(m.SecurityToken),
		BearerToken:     deref(m.BearerToken),
		ProviderName:    "credentials-go/" + deref(m.Type),
	}, nil
}

func (c credentialsChain) GetProviderName() string { return "credentials-go" }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// HuaweiCredentials reads HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and
// HUAWEICLOUD_SDK_PROJECT_ID.
func HuaweiCredentials() (auth.ICredential, error) {
	cred, err := provider.BasicCredentialEnvProvider().GetCredentials()
	if err != nil {
		return nil, fmt.Errorf("huawei cloud credentials (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK): %w", err)
	}
	if basic, ok := cred.(*auth.BasicCredentials); ok && basic.ProjectId == "" {
		return nil, errors.New("huawei cloud credentials: HUAWEICLOUD_SDK_PROJECT_ID is not set; " +
			"without it the SDK would call IAM to look the project up")
	}
	return cred, nil
}

// NewAPIGClient builds the APIG client of the worker's own region and
// project.
func NewAPIGClient(cfg Config, cred auth.ICredential) (*apig.ApigClient, error) {
	return newAPIGClient(cfg, cfg.HuaweiRegion, cred)
}

func newAPIGClient(cfg Config, region string, cred auth.ICredential) (*apig.ApigClient, error) {
	builder := apig.ApigClientBuilder().WithCredential(cred)
	switch {
	case cfg.HuaweiAPIGEndpoint != "":
		endpoint := cfg.HuaweiAPIGEndpoint
		if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
			endpoint = "https://" + endpoint
		}
		builder.WithEndpoints([]string{endpoint})
	case region != "":
		r, err := apigregion.SafeValueOf(region)
		if err != nil {
			return nil, fmt.Errorf("cloudclients: Huawei Cloud region %q: %w", region, err)
		}
		builder.WithRegion(r)
	default:
		return nil, fmt.Errorf("cloudclients: set %s (for example cn-north-4) or %s", EnvHuaweiRegion, EnvHuaweiAPIGEndpoint)
	}
	hc, err := builder.SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("cloudclients: Huawei Cloud APIG client: %w", err)
	}
	return apig.NewApigClient(hc), nil
}

// maxAPIGScopes bounds the clients an APIGScopes keeps: inputs name the
// scopes, and each client holds its own HTTP transport.
const maxAPIGScopes = 64

// APIGScopes makes APIG clients for other regions and projects of the
// worker's account, signed with the worker's AK/SK, one per region and
// project, kept for the worker's life. An input that names the gateway's
// project (or region) is served by one of them.
type APIGScopes struct {
	cfg  Config
	cred *auth.BasicCredentials

	mu      sync.Mutex
	clients map[[2]string]*apig.ApigClient
}

// NewAPIGScopes serves the scopes of cred's account. Only AK/SK credentials
// (HUAWEICLOUD_SDK_AK/SK) can act in another project: the project is part of
// what they sign.
func NewAPIGScopes(cfg Config, cred auth.ICredential) (*APIGScopes, error) {
	basic, ok := cred.(*auth.BasicCredentials)
	if !ok {
		return nil, fmt.Errorf("cloudclients: Huawei Cloud credentials of type %T cannot act in another project", cred)
	}
	return &APIGScopes{cfg: cfg, cred: basic, clients: make(map[[2]string]*apig.ApigClient)}, nil
}

// For returns the client of a region and project; an empty one is the
// worker's own.
func (s *APIGScopes) For(region, projectID string) (*apig.ApigClient, error) {
	if region == "" {
		region = s.cfg.HuaweiRegion
	}
	if projectID == "" {
		projectID = s.cred.ProjectId
	}
	key := [2]string{region, projectID}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok {
		return c, nil
	}
	if len(s.clients) >= maxAPIGScopes {
		return nil, fmt.Errorf("cloudclients: this worker already serves %d Huawei Cloud regions and projects", maxAPIGScopes)
	}
	cred := *s.cred // the same AK/SK, another project
	cred.ProjectId = projectID
	c, err := newAPIGClient(s.cfg, region, &cred)
	if err != nil {
		return nil, err
	}
	s.clients[key] = c
	return c, nil
}
