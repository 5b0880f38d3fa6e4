package contacts_test

import (
	"net/http"
	"strings"
	"testing"

	"parley/server/accounts"
	"parley/server/contacts"
	"parley/server/servertest"
)

func TestDirectorySearchAndContactList(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := t.Context()
	add := func(email string, p accounts.Profile, kind accounts.Kind) accounts.User {
		p.Email = email
		u, err := env.Server.Accounts.CreateUser(ctx, accounts.NewUser{Password: servertest.TestPassword, Role: accounts.RoleUser, Kind: kind, Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	add("irina@corp.example", accounts.Profile{Name: "Ирина Петрова", Position: "Главный бухгалтер", Company: "Ромашка", Department: "Финансы", Tags: []string{"finance", "oncall"}}, accounts.KindRegistered)
	add("oleg@corp.example", accounts.Profile{Name: "Олег Смирнов", Position: "Backend developer", Company: "Ромашка", Department: "Разработка", Tags: []string{"oncall"}}, accounts.KindRegistered)
	add("guest@mail.example", accounts.Profile{Name: "Guest"}, accounts.KindUnregistered)
	me := env.Person("me")

	cases := []struct {
		q    string
		want []string
	}{
		{"Ирина", []string{"Ирина Петрова"}},
		{"бухгалтер", []string{"Ирина Петрова"}},
		{"Ромашка", []string{"Ирина Петрова", "Олег Смирнов"}},
		{"Разработка", []string{"Олег Смирнов"}},
		{"corp.example", []string{"Ирина Петрова", "Олег Смирнов"}},
		{"#oncall", []string{"Ирина Петрова", "Олег Смирнов"}},
		{"#finance Ромашка", []string{"Ирина Петрова"}},
		{"#fin", nil}, // a tag matches whole
		{"100%_", nil},
	}
	for _, c := range cases {
		var out struct{ Users []contacts.Contact }
		me.Call("GET", "/api/v1/users?q="+urlQuery(c.q), nil, http.StatusOK, &out)
		var got []string
		for _, u := range out.Users {
			got = append(got, u.Name)
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("search %q = %v, want %v", c.q, got, c.want)
		}
	}

	// Contacts: people one shares a chat with, or every corporate user
	// once the administrator says so.
	var list struct{ Contacts []contacts.Contact }
	me.Call("GET", "/api/v1/contacts", nil, 200, &list)
	if len(list.Contacts) != 0 {
		t.Errorf("a newcomer has contacts: %+v", list.Contacts)
	}
	friend := env.Person("friend")
	me.Call("POST", "/api/v1/chats", map[string]any{"kind": "personal", "members": []string{friend.HUID}}, 201, nil)
	me.Call("GET", "/api/v1/contacts", nil, 200, &list)
	if len(list.Contacts) != 1 || list.Contacts[0].HUID != friend.HUID {
		t.Errorf("contacts after a personal chat: %+v", list.Contacts)
	}
	root := env.PersonWithRole("root", accounts.RoleAdmin)
	me.Call("PATCH", "/api/v1/admin/messenger", map[string]any{"show_all_contacts": true}, 403, nil)
	root.Call("PATCH", "/api/v1/admin/messenger", map[string]any{"show_all_contacts": true}, 200, nil)
	me.Call("GET", "/api/v1/contacts", nil, 200, &list)
	var names []string
	for _, c := range list.Contacts {
		names = append(names, c.Name)
	}
	// Everyone who signed up (a sign-in makes a corporate user), not the
	// guest who never did, nor oneself.
	if strings.Join(names, ",") != "friend,root,Ирина Петрова,Олег Смирнов" {
		t.Errorf("with every corporate user shown: %v", names)
	}
}

func urlQuery(s string) string {
	out := ""
	for _, b := range []byte(s) {
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '-':
			out += string(b)
		default:
			out += "%" + string("0123456789ABCDEF"[b>>4]) + string("0123456789ABCDEF"[b&15])
		}
	}
	return out
}
