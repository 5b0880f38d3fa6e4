package loadtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"parley/server/accounts"
)

// Names for the load-test users, so the directory holds people rather
// than numbers; combined with the user's number they are distinct.
var (
	firstRU = []string{"Алексей", "Мария", "Иван", "Анна", "Дмитрий", "Елена", "Сергей", "Ольга", "Андрей", "Наталья",
		"Михаил", "Татьяна", "Павел", "Ирина", "Николай", "Светлана", "Артем", "Юлия", "Кирилл", "Ксения"}
	lastRU = []string{"Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Козлова", "Новиков", "Морозова", "Петров",
		"Волкова", "Соловьев", "Васильева", "Зайцев", "Павлова", "Семенов", "Голубева", "Виноградов", "Богданова"}
	firstEN = []string{"James", "Mary", "Robert", "Linda", "Michael", "Sarah", "David", "Emma", "Daniel", "Olivia",
		"Thomas", "Grace", "Peter", "Alice", "George", "Hannah"}
	lastEN = []string{"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Hall", "Young", "King",
		"Wright", "Green", "Baker", "Turner"}
	departments = []string{"Разработка", "Поддержка", "Продажи", "Бухгалтерия", "Маркетинг", "Engineering", "Support",
		"Sales", "Legal", "Operations"}
	positions = []string{"Инженер", "Аналитик", "Менеджер", "Руководитель группы", "Дизайнер", "Engineer", "Analyst",
		"Manager", "Team lead", "Designer"}
)

// LoadUser is the profile of load-test user n.
func LoadUser(n int) accounts.NewUser {
	var name string
	if n%3 == 2 {
		name = firstEN[n%len(firstEN)] + " " + lastEN[(n/len(firstEN))%len(lastEN)]
	} else {
		name = firstRU[n%len(firstRU)] + " " + lastRU[(n/len(firstRU))%len(lastRU)]
	}
	return accounts.NewUser{Kind: accounts.KindRegistered, Role: accounts.RoleUser, Profile: accounts.Profile{
		Email: LoadEmail(n), Name: fmt.Sprintf("%s %d", name, n), Company: "Parley Load",
		Department: departments[n%len(departments)], Position: positions[(n/7)%len(positions)]}}
}

// CreateUsers adds load-test users first…first+count-1 with one password,
// in batches; users that exist already are kept. It returns how many it
// created.
func CreateUsers(ctx context.Context, svc *accounts.Service, first, count int, password string, progress io.Writer) (int, error) {
	const batch = 5000
	created := 0
	start := time.Now()
	for from := first; from < first+count; from += batch {
		to := min(from+batch, first+count)
		list := make([]accounts.NewUser, 0, to-from)
		for n := from; n < to; n++ {
			list = append(list, LoadUser(n))
		}
		c, err := svc.CreateUsersBulk(ctx, password, list)
		if err != nil {
			return created, fmt.Errorf("users %d…%d: %w", from, to-1, err)
		}
		created += c
		if progress != nil {
			fmt.Fprintf(progress, "  users %d…%d: %d new (%.1f s)\n", from, to-1, c, time.Since(start).Seconds())
		}
	}
	return created, nil
}

// WriteSessions opens a session for each of users first…first+count-1 not
// yet in the token file and appends them to it (e-mail, HUID, token), the
// file the runs' --tokens reads: signing 20,000 users in over HTTP costs
// the server minutes of argon2id, which is not what a load test measures.
func WriteSessions(ctx context.Context, svc *accounts.Service, first, count int, path string, progress io.Writer) (int, error) {
	have, err := readTokens(path)
	if err != nil {
		return 0, err
	}
	var emails []string
	for n := first; n < first+count; n++ {
		if _, ok := have[LoadEmail(n)]; !ok {
			emails = append(emails, LoadEmail(n))
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	written := 0
	for from := 0; from < len(emails); from += 5000 {
		batch := emails[from:min(from+5000, len(emails))]
		sessions, err := svc.OpenSessionsBulk(ctx, batch, accounts.Device{Platform: "desktop", AppVersion: "parley-loadtest"})
		if err != nil {
			return written, err
		}
		for _, s := range sessions {
			if _, err := fmt.Fprintf(f, "%s\t%s\t%s\n", s.Email, s.HUID, s.Token); err != nil {
				return written, fmt.Errorf("token file: %w", err)
			}
		}
		written += len(sessions)
		if progress != nil {
			fmt.Fprintf(progress, "  sessions: %d of %d\n", written, len(emails))
		}
	}
	return written, nil
}
