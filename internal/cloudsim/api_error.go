package cloudsim

import "fmt"

// apiError is an answer that is not a success: the HTTP status plus the
// provider's error code and message. Handlers return it; the Alibaba and
// Huawei front ends render it in their own body format.
type apiError struct {
	status  int
	code    string
	message string
	// accessDenied is the AccessDeniedDetail of a Forbidden.RAM answer.
	accessDenied *accessDeniedDetail
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func newAPIError(status int, code, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &apiError{status: status, code: code, message: msg}
}
