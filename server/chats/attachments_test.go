package chats_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"parley/server/chats"
	"parley/server/servertest"
)

func upload(t *testing.T, env *servertest.Env, p servertest.Person, chat, query string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", env.URL+"/api/v1/chats/"+chat+"/files?"+query, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+p.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func picture(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestAttachmentsFollowTheSeedsRules(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben, cid := env.Person("ann"), env.Person("ben"), env.Person("cid")
	g := newChat(t, ann, "group", "Files", ben)
	other := newChat(t, ben, "group", "Elsewhere", cid)

	// A picture goes compressed (JPEG, at most 2560 a side) unless sent as a file.
	resp, body := upload(t, env, ann, g.ID, "name=photo.png", picture(3000, 1000))
	if resp.StatusCode != 201 {
		t.Fatalf("upload picture: %d %s", resp.StatusCode, body)
	}
	var compressed chats.FileJSON
	mustJSON(t, body, &compressed)
	if compressed.MIME != "image/jpeg" || compressed.Width != 2560 || compressed.Name != "photo.jpg" || !compressed.Inline {
		t.Errorf("compressed picture: %+v", compressed)
	}
	resp, body = upload(t, env, ann, g.ID, "name=photo.png&as=file", picture(300, 100))
	var asFile chats.FileJSON
	mustJSON(t, body, &asFile)
	if resp.StatusCode != 201 || asFile.MIME != "image/png" || !asFile.AsFile {
		t.Errorf("picture as a file: %d %+v", resp.StatusCode, asFile)
	}

	// Forbidden and unknown types are refused with a reason.
	for _, c := range []struct {
		name    string
		content []byte
		reason  string
	}{
		{"setup.exe", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 200)...), "forbidden_type"},
		{"run.sh", []byte("#!/bin/sh\nrm -rf /\n"), "forbidden_type"},
		{"mystery.db", randomBytes(4096), "unknown_type"},
	} {
		resp, body := upload(t, env, ann, g.ID, "name="+c.name, c.content)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"reason":"`+c.reason+`"`) || !strings.Contains(string(body), c.name+" is refused") {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
		}
	}

	// A video of 50 MB or less plays in the chat.
	mp4 := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 2048)...)
	resp, body = upload(t, env, ann, g.ID, "name=clip.mp4", mp4)
	var clip chats.FileJSON
	mustJSON(t, body, &clip)
	if resp.StatusCode != 201 || !clip.Playable {
		t.Errorf("small video: %d %+v", resp.StatusCode, clip)
	}

	// Sent in a message, the file reaches members, in ranges, and nobody else.
	var m chats.MessageJSON
	ann.Call("POST", "/api/v1/chats/"+g.ID+"/messages", map[string]any{"sync_id": "f1", "body": "", "file_id": asFile.ID}, 201, &m)
	if m.File == nil || m.File.ID != asFile.ID {
		t.Fatalf("message with a file: %+v", m)
	}
	req, _ := http.NewRequest("GET", env.URL+asFile.URL, nil)
	req.Header.Set("Authorization", "Bearer "+ben.Token)
	req.Header.Set("Range", "bytes=0-7")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 206 || !bytes.Equal(head, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("range download: %d %q", r.StatusCode, head)
	}
	if resp, _ := env.Do("GET", asFile.URL, cid.Token, nil); resp.StatusCode != 404 {
		t.Errorf("an outsider downloads: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/chats/"+other.ID+"/files/"+asFile.ID, ben.Token, nil); resp.StatusCode != 404 {
		t.Errorf("a file fetched through a chat it was never sent to: %d", resp.StatusCode)
	}
	// Forwarded, it is reachable through the new chat.
	var fwd chats.MessageJSON
	ben.Call("POST", fmt.Sprintf("/api/v1/chats/%s/messages/%d/forward", g.ID, m.ID), map[string]any{"to": other.ID, "sync_id": "fw"}, 201, &fwd)
	if fwd.File == nil {
		t.Fatalf("forwarded message lost its file: %+v", fwd)
	}
	if resp, _ := env.Do("GET", fwd.File.URL, cid.Token, nil); resp.StatusCode != 200 {
		t.Errorf("the forwarded file for the new chat's member: %d", resp.StatusCode)
	}
	// A file from another chat cannot be sent by id.
	resp, body = env.Do("POST", "/api/v1/chats/"+g.ID+"/messages", cid.Token, map[string]any{"sync_id": "x", "body": "", "file_id": asFile.ID})
	if resp.StatusCode != 404 {
		t.Errorf("outsider sends a file id: %d %s", resp.StatusCode, body)
	}

	// A limit set by the administrator holds, with a clear message.
	root := env.PersonWithRole("root", "admin")
	root.Call("PATCH", "/api/v1/admin/messenger", map[string]any{"attachment_limit_corporate": 1 << 20, "attachment_limit_public": 1 << 20}, 200, nil)
	resp, body = upload(t, env, ann, g.ID, "name=big.png&as=file", append(picture(10, 10), make([]byte, 2<<20)...))
	if resp.StatusCode != 413 {
		t.Errorf("over the limit: %d %s", resp.StatusCode, body)
	}
	// Removed by retention: the link says so.
	if err := env.Server.Files.Remove(t.Context(), asFile.ID); err != nil {
		t.Fatal(err)
	}
	resp, body = env.Do("GET", asFile.URL, ben.Token, nil)
	if resp.StatusCode != 410 || !strings.Contains(string(body), "unavailable") {
		t.Errorf("removed file: %d %s", resp.StatusCode, body)
	}
	var page chats.Page
	ben.Call("GET", "/api/v1/chats/"+g.ID+"/messages", nil, 200, &page)
	if last := page.Messages[len(page.Messages)-1]; last.File == nil || !last.File.Unavailable {
		t.Errorf("history does not mark the removed file: %+v", last.File)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func mustJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := jsonUnmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

func TestChatAvatarIsAPictureUploadedToTheChat(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann, ben := env.Person("ann"), env.Person("ben")
	g := newChat(t, ann, "group", "Crew", ben)
	other := newChat(t, ben, "group", "Elsewhere")

	var elsewhere, notes, photo chats.FileJSON
	resp, body := upload(t, env, ben, other.ID, "name=theirs.png", picture(64, 64))
	mustJSON(t, body, &elsewhere)
	resp, body = upload(t, env, ann, g.ID, "name=notes.txt", []byte("meeting notes: nothing decided yet\n"))
	mustJSON(t, body, &notes)
	resp, body = upload(t, env, ann, g.ID, "name=crew.png", picture(64, 64))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	mustJSON(t, body, &photo)

	for _, c := range []struct{ avatar, reason string }{
		{elsewhere.ID, "unknown_file"},
		{"no-such-file", "unknown_file"},
		{notes.ID, "not_image"},
	} {
		resp, body := env.Do("PATCH", "/api/v1/chats/"+g.ID, ann.Token, map[string]any{"avatar": c.avatar})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), c.reason) {
			t.Errorf("avatar %q: %d %s, want 400 %s", c.avatar, resp.StatusCode, body, c.reason)
		}
	}
	var updated chats.ChatJSON
	ann.Call("PATCH", "/api/v1/chats/"+g.ID, map[string]any{"avatar": photo.ID}, http.StatusOK, &updated)
	if updated.Avatar != photo.ID {
		t.Errorf("avatar after setting a picture of the chat: %q, want %q", updated.Avatar, photo.ID)
	}
	var removed chats.ChatJSON
	ann.Call("PATCH", "/api/v1/chats/"+g.ID, map[string]any{"avatar": ""}, http.StatusOK, &removed)
	if removed.Avatar != "" || removed.Name != "Crew" {
		t.Errorf("after removing the avatar: name %q, avatar %q", removed.Name, removed.Avatar)
	}
}
