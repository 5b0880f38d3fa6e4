package loadtest

import (
	"context"
	"fmt"
	"io"
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
