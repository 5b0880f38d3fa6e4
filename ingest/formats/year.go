package formats

import (
	"io"
	"regexp"

	"parley/ingest"
)

// fullDate is a date with a year and a time of day, as reports, tombstones,
// state dumps and logs with years print them: 2019-04-10 12:00:05,
// 2019-04-10T12:00:05.
var fullDate = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[ T][0-2][0-9]:[0-5][0-9]`)

// yearHeadSize is how much of each member siblingYear reads.
const yearHeadSize = 64 << 10

// SiblingYear is the year the files of one upload (the members of each
// uploaded file, as Expand gives them) agree on most, from the full dates
// at their starts; 0 when fewer than two files or none has one. A log that
// prints no year (logcat's threadtime) takes it rather than the year it is
// read in, which may be years off and stretch the timeline over all of
// them.
func SiblingYear(files ...[]ingest.Member) int {
	var members []ingest.Member
	for _, f := range files {
		members = append(members, f...)
	}
	if len(members) < 2 {
		return 0
	}
	votes := map[int]int{}
	buf := make([]byte, yearHeadSize)
	for _, m := range members {
		rc, err := m.Open()
		if err != nil {
			continue
		}
		n, _ := io.ReadFull(rc, buf)
		rc.Close()
		for _, sm := range fullDate.FindAllSubmatch(buf[:n], 50) {
			y := int(sm[1][0]-'0')*1000 + int(sm[1][1]-'0')*100 + int(sm[1][2]-'0')*10 + int(sm[1][3]-'0')
			votes[y]++
		}
	}
	best, most := 0, 0
	for y, n := range votes {
		if n > most || n == most && y > best {
			best, most = y, n
		}
	}
	return best
}
