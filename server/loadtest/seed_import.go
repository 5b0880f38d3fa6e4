package loadtest

import (
	"context"
	"fmt"
	"io"
	"time"

	"parley/server/chats"
)

// importable are the kinds chats.Service.Import takes; discussions need a
// parent message and are left out of the seed until it takes them too.
var importable = map[string]bool{"personal": true, "group": true, "channel": true, "saved": true}

// SeedResult counts what Seed wrote.
type SeedResult struct {
	Chats, Messages int
	Skipped         map[string]int // planned chats of kinds Import does not take
}

// Seed writes the plan's chats and messages through the messenger's bulk
// import (rendered, indexed and counted as sends are). userID maps a
// load-test user number to its account id. Messages go in batches of
// batch, in time order.
func Seed(ctx context.Context, svc *chats.Service, plan SeedPlan, userID func(n int) int64, batch int, progress io.Writer) (SeedResult, error) {
	res := SeedResult{Skipped: map[string]int{}}
	var keep []SeedChat
	for _, c := range plan.ChatPlan() {
		if !importable[c.Kind] {
			res.Skipped[c.Kind]++
			continue
		}
		c.Index = len(keep)
		keep = append(keep, c)
	}
	start := time.Now()
	ids := make([]int64, 0, len(keep))
	const chatBatch = 2000
	for from := 0; from < len(keep); from += chatBatch {
		part := keep[from:min(from+chatBatch, len(keep))]
		in := make([]chats.ImportChat, len(part))
		for i, c := range part {
			ic := chats.ImportChat{Kind: c.Kind, Name: c.Name}
			switch c.Kind {
			case "personal":
				ic.Members = []int64{userID(c.Members[0]), userID(c.Members[1])}
			default:
				for j, m := range c.Members {
					if j < c.Admins {
						ic.Admins = append(ic.Admins, userID(m))
					} else {
						ic.Members = append(ic.Members, userID(m))
					}
				}
			}
			in[i] = ic
		}
		got, err := svc.Import(ctx, in)
		if err != nil {
			return res, fmt.Errorf("import chats %d…%d: %w", from+1, from+len(part), err)
		}
		ids = append(ids, got...)
	}
	res.Chats = len(ids)
	if progress != nil {
		fmt.Fprintf(progress, "  %d chats imported in %.1f s\n", res.Chats, time.Since(start).Seconds())
	}
	start = time.Now()
	buf := make([]chats.ImportMessage, 0, batch)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := svc.ImportMessages(ctx, buf); err != nil {
			return fmt.Errorf("import messages %d…%d: %w", res.Messages+1, res.Messages+len(buf), err)
		}
		res.Messages += len(buf)
		buf = buf[:0]
		if progress != nil && res.Messages%(20*batch) == 0 {
			el := time.Since(start).Seconds()
			fmt.Fprintf(progress, "  %d messages imported (%.0f/s, %.0f s left)\n", res.Messages, float64(res.Messages)/el,
				float64(plan.Messages-res.Messages)/(float64(res.Messages)/el))
		}
		return nil
	}
	for m := range plan.MessagePlan(keep) {
		buf = append(buf, chats.ImportMessage{Chat: ids[m.Chat], Sender: userID(m.Sender), Body: m.Body, At: m.At})
		if len(buf) == batch {
			if err := flush(); err != nil {
				return res, err
			}
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if progress != nil {
		fmt.Fprintf(progress, "  %d messages imported in %.1f s\n", res.Messages, time.Since(start).Seconds())
	}
	return res, nil
}
