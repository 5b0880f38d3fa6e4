package logcat

import (
	"bytes"
	"time"
)

// yearFromMessages finds the year of a log whose timestamps have none
// ("MM-DD HH:MM:SS.mmm") in the dates its messages quote: a full date
// "YYYY-MM-DD" in a line, within a day of that line's own month and day,
// gives the line's year. Dates further off (a build date, an expiry) say
// nothing about when the line was written. 0 when no line tells.
func yearFromMessages(head []byte) int {
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if len(line) < 17 || line[2] != '-' || line[5] != ' ' || !isDigits(line[0:2]) || !isDigits(line[3:5]) {
			continue
		}
		month := int(line[0]-'0')*10 + int(line[1]-'0')
		day := int(line[3]-'0')*10 + int(line[4]-'0')
		if month < 1 || month > 12 || day < 1 || day > 31 {
			continue
		}
		rest := line[6:]
		for {
			i := bytes.IndexByte(rest, '-')
			if i < 0 {
				break
			}
			if i >= 4 && i+6 <= len(rest) && rest[i+3] == '-' && isDigits(rest[i-4:i]) && isDigits(rest[i+1:i+3]) && isDigits(rest[i+4:i+6]) &&
				(i == 4 || rest[i-5] < '0' || rest[i-5] > '9') && (i+6 == len(rest) || rest[i+6] < '0' || rest[i+6] > '9') {
				y := int(rest[i-4]-'0')*1000 + int(rest[i-3]-'0')*100 + int(rest[i-2]-'0')*10 + int(rest[i-1]-'0')
				m := int(rest[i+1]-'0')*10 + int(rest[i+2]-'0')
				d := int(rest[i+4]-'0')*10 + int(rest[i+5]-'0')
				if y >= 2000 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
					quoted := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
					// The line's own date in the quoted year, or the one
					// before or after it (a log of 31 December quoting 1 January).
					for _, ly := range []int{y, y - 1, y + 1} {
						own := time.Date(ly, time.Month(month), day, 0, 0, 0, 0, time.UTC)
						if diff := quoted.Sub(own); diff >= -24*time.Hour && diff <= 24*time.Hour {
							return ly
						}
					}
				}
			}
			rest = rest[i+1:]
		}
	}
	return 0
}
