package accounts

import (
	"net/http"

	"parley/server/web"
)

// Unwrap gives the shared error writer the answer to a refused sign-in:
// 429 with Retry-After.
func (e *ThrottledError) Unwrap() error {
	return &web.HTTPError{Status: http.StatusTooManyRequests, Code: "throttled", Key: "error.too_many",
		Message: e.Error(), RetryAfter: RoundUpSeconds(e.RetryAfter)}
}
