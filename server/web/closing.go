package web

import "context"

type closingKey struct{}

// WithClosing returns ctx carrying closing, a channel that is closed when
// the server begins to shut down.
func WithClosing(ctx context.Context, closing <-chan struct{}) context.Context {
	return context.WithValue(ctx, closingKey{}, closing)
}

// Closing is closed when the server begins to shut down. Long-lived
// handlers (WebSockets, streams, long polls) select on it and end at once;
// ordinary requests ignore it and finish within the grace period. A request
// context is not cancelled for this, since cancelling a query mid-flight is
// what leaves a modernc connection "interrupted".
func Closing(ctx context.Context) <-chan struct{} {
	if ch, ok := ctx.Value(closingKey{}).(<-chan struct{}); ok {
		return ch
	}
	return nil // never closes: no server behind this context
}
