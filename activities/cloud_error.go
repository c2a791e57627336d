package activities

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	alierrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
	"github.com/vpcflow/vpcflow/internal/redact"
)

// Retry pacing for the classes that Temporal's exponential backoff does not
// fit. Throttling must back off harder than a blip, or every retry is
// throttled again; a busy resource changes state on its own clock, so polling
// it faster than every few seconds only burns quota.
const (
	throttledFirstDelay = 2 * time.Second
	throttledMaxDelay   = time.Minute
	busyStepDelay       = 5 * time.Second
	busyMaxDelay        = 30 * time.Second
)

// cloudCallError describes an error answered by (or on the way to) a cloud API.
type cloudCallError struct {
	code       string
	httpStatus int
	requestID  string
	message    string
	retryAfter time.Duration // from x-acs-retry-after, when the cloud sends one
	network    bool
	// authAction is the RAM action a Forbidden.RAM answer names
	// (AccessDeniedDetail.AuthAction).
	authAction string
}

// inspectCloudError reads what the two SDKs' error types say. ok is false for
// errors that did not come from a cloud call (a cancelled context, a bug).
func inspectCloudError(err error) (cloudCallError, bool) {
	var aliServer *alierrors.ServerError
	if errors.As(err, &aliServer) {
		e := cloudCallError{
			code:       aliServer.ErrorCode(),
			httpStatus: aliServer.HttpStatus(),
			requestID:  aliServer.RequestId(),
			message:    answerMessage(aliServer.Message()),
		}
		// The SDK keeps the response headers as http.Header built them.
		if a, ok := aliServer.AccessDeniedDetail()["AuthAction"].(string); ok {
			e.authAction = a
		}
		if v := http.Header(aliServer.RespHeaders).Get("x-acs-retry-after"); v != "" {
			if ms, perr := strconv.Atoi(v); perr == nil && ms > 0 {
				e.retryAfter = time.Duration(ms) * time.Millisecond
			}
		}
		return e, true
	}
	var hwServer *sdkerr.ServiceResponseError
	if errors.As(err, &hwServer) {
		return cloudCallError{
			code:       hwServer.ErrorCode,
			httpStatus: hwServer.StatusCode,
			requestID:  hwServer.RequestId,
			message:    answerMessage(hwServer.ErrorMessage),
		}, true
	}
	var aliClient *alierrors.ClientError
	if errors.As(err, &aliClient) {
		return cloudCallError{code: aliClient.ErrorCode(), message: answerMessage(aliClient.Message())}, true
	}
	var urlErr *url.Error
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) {
		// The error quotes the request URL: with a signed Alibaba request,
		// its AccessKeyId, Signature and SignatureNonce.
		return cloudCallError{code: contract.NetworkErrorType, message: redact.Secrets(err.Error()), network: true}, true
	}
	return cloudCallError{}, false
}

// maxAnswerMessage bounds the cloud's message kept in a failure: enough
// for any API's error message, not for a whole page of HTML.
const maxAnswerMessage = 512

// answerMessage is what a failure keeps of the message a cloud answered,
// redacted: SignatureDoesNotMatch quotes the string the cloud signed. Both
// SDKs hand over the raw body when it is not the API's JSON: an HTML page
// from a proxy or load balancer in front of the API (a 502 when the
// backend is down), which says only its title.
func answerMessage(raw string) string {
	raw = redact.Secrets(raw)
	trimmed := strings.TrimSpace(raw)
	if strings.HasPrefix(trimmed, "<") {
		title := "no title"
		lower := strings.ToLower(trimmed)
		if i := strings.Index(lower, "<title>"); i >= 0 {
			if j := strings.Index(lower[i:], "</title>"); j > len("<title>") {
				title = strings.TrimSpace(trimmed[i+len("<title>") : i+j])
			}
		}
		if len(title) > 80 {
			title = strings.ToValidUTF8(title[:80], "") + "..."
		}
		return fmt.Sprintf("an HTML page (%q, %d bytes) instead of the API's answer: a proxy or load balancer in front of the API answered", title, len(raw))
	}
	if len(raw) > maxAnswerMessage {
		return strings.ToValidUTF8(raw[:maxAnswerMessage], "") + fmt.Sprintf("... (%d bytes)", len(raw))
	}
	return raw
}

// classify finds the table row for an error. Codes without a row fall back on
// the HTTP status: a 5xx or 429 is the cloud's trouble and is retried, any
// other 4xx is the request's and is not.
func (e cloudCallError) classify() ErrorCode {
	if e.network {
		return ErrorCode{Code: contract.NetworkErrorType, Class: contract.Transient}
	}
	if row, ok := LookupErrorCode(e.code); ok {
		return row
	}
	switch {
	case e.httpStatus == 429:
		return ErrorCode{Code: e.code, Class: contract.Throttled}
	case e.httpStatus >= 500:
		return ErrorCode{Code: e.code, Class: contract.Transient}
	default:
		return ErrorCode{Code: e.code, Class: contract.Permanent,
			Fix: "the cloud answered an error code vpcflow does not know; read the message and quote the RequestId to support"}
	}
}

// CloudError turns the error of a cloud call into the *temporal.ApplicationError
// an activity returns: Type is the cloud's code, NonRetryable for permanent
// codes, a slower NextRetryDelay for throttling and busy resources, and the
// RequestId in both the message and the details. Errors that are not from a
// cloud call (a cancelled context) are returned unchanged.
//
// Return its result as it is: wrapping it with fmt.Errorf turns it into a
// retryable "wrapError" and loses NonRetryable.
func CloudError(ctx context.Context, operation, resource string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	call, ok := inspectCloudError(err)
	if !ok {
		return err
	}
	return call.applicationError(attemptOf(ctx), operation, resource, call.classify().after(retriedFor(ctx)))
}

// retriedFor is how long the activity making the call has been retried:
// since its first attempt was scheduled.
func retriedFor(ctx context.Context) time.Duration {
	if !activity.IsActivity(ctx) {
		return 0
	}
	return time.Since(activity.GetInfo(ctx).ScheduledTime)
}

// classifiedCloudError is CloudError with the row chosen by the caller, for
// an answer whose meaning depends on what a read showed after it.
func classifiedCloudError(ctx context.Context, operation, resource string, err error, row ErrorCode) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	call, ok := inspectCloudError(err)
	if !ok {
		return err
	}
	return call.applicationError(attemptOf(ctx), operation, resource, row)
}

// refusal is the error of a code vpcflow finds itself, by a read: before the
// call that would answer it (an interface that cannot connect), or where the
// API answers an empty list rather than an error (an ID that does not
// exist). The code's row classifies it and says the fix, as when the cloud
// answers the code; finding says what the read showed.
func refusal(operation, resource, code, finding, requestID string) error {
	row, ok := LookupErrorCode(code)
	if !ok {
		// A code of vpcflow's own choosing always has a row (a test checks
		// every refusal); this keeps a missing one permanent.
		row = ErrorCode{Code: code, Class: contract.Permanent}
	}
	return cloudCallError{code: code, requestID: requestID, message: finding}.applicationError(1, operation, resource, row)
}

// applicationError is the one maker of the error of a cloud code: a cloud's
// answer (CloudError), or a refusal. attempt paces the retries of throttled
// and busy codes.
func (call cloudCallError) applicationError(attempt int32, operation, resource string, row ErrorCode) error {
	// The code becomes the failure's type: a cloud, or a proxy, can answer
	// any text, so it is shown bounded and printable.
	code := DisplayCode(call.code)
	if code == "" {
		code = fmt.Sprintf("HTTP%d", call.httpStatus)
	}
	details := contract.CloudErrorDetails{
		Operation:  operation,
		Resource:   resource,
		Code:       code,
		HTTPStatus: call.httpStatus,
		RequestId:  DisplayCode(call.requestID),
		Message:    call.message,
		Class:      row.Class,
		Fix:        row.Fix,
	}
	if call.authAction != "" {
		// The cloud named the permission: the fix names it too.
		details.Fix = fmt.Sprintf("grant the RAM permission %s to the worker's identity (deploy/policies/alibaba-ram-policy.json lists every action vpcflow calls)", call.authAction)
	}
	opts := temporal.ApplicationErrorOptions{
		NonRetryable: row.Class == contract.Permanent || row.Class == contract.DryRunPassed,
		Details:      []any{details},
	}
	switch row.Class {
	case contract.Throttled:
		opts.NextRetryDelay = throttledDelay(attempt, call.retryAfter)
	case contract.Busy:
		opts.NextRetryDelay = busyDelay(attempt)
	}
	return temporal.NewApplicationErrorWithOptions(details.String(), code, opts)
}

// callAttemptKey carries the attempt a call's retry pacing counts from when
// it is not the activity's: a wait retries a failed read itself, and paces
// it by that read's consecutive failures, not by every failure of the wait.
type callAttemptKey struct{}

func withCallAttempt(ctx context.Context, attempt int32) context.Context {
	return context.WithValue(ctx, callAttemptKey{}, attempt)
}

// attemptOf is the attempt of the call being made (1 for the first): the
// one withCallAttempt set, else the activity's, else 1.
func attemptOf(ctx context.Context) int32 {
	if a, ok := ctx.Value(callAttemptKey{}).(int32); ok {
		return a
	}
	if !activity.IsActivity(ctx) {
		return 1
	}
	return activity.GetInfo(ctx).Attempt
}

// throttledDelay doubles from 2 s up to a minute, with ±20% jitter so many
// workflows throttled together do not come back together. A Retry-After
// from the cloud (x-acs-retry-after) wins, capped at the minute (a proxy,
// or a cloud in trouble, may ask for ten: a wait parked that long misses
// what it waits for) and spread by up to a fifth more, so the calls it held
// back do not all come back in the same instant.
func throttledDelay(attempt int32, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return time.Duration(float64(min(retryAfter, throttledMaxDelay)) * (1 + 0.2*rand.Float64()))
	}
	d := throttledFirstDelay
	for i := int32(1); i < attempt && d < throttledMaxDelay; i++ {
		d *= 2
	}
	d = min(d, throttledMaxDelay)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// busyDelay grows linearly from 5 s to 30 s.
func busyDelay(attempt int32) time.Duration {
	return min(time.Duration(max(attempt, 1))*busyStepDelay, busyMaxDelay)
}

// errorCode returns the cloud code of an SDK error, or "".
func errorCode(err error) string {
	call, ok := inspectCloudError(err)
	if !ok {
		return ""
	}
	return call.code
}

// requestIDOf returns the RequestId an SDK error carries, or "".
func requestIDOf(err error) string {
	call, _ := inspectCloudError(err)
	return call.requestID
}
