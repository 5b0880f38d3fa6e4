package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parsed is a received message as a mail reader shows it.
type parsed struct {
	from, to, subject, messageID, text string
	date                               time.Time
	header                             netmail.Header
}

func parseReceived(t *testing.T, data string) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	var p parsed
	p.header = msg.Header
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	p.from, p.to, p.messageID = msg.Header.Get("From"), msg.Header.Get("To"), msg.Header.Get("Message-ID")
	if p.date, err = msg.Header.Date(); err != nil {
		t.Fatalf("Date header %q: %v", msg.Header.Get("Date"), err)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding %q", cte)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	p.text = strings.ReplaceAll(string(body), "\r\n", "\n")
	for _, line := range strings.Split(data, "\n") { // the dot reader gave LF ends
		if len(line) > 998 {
			t.Fatalf("a line of the message is %d bytes long", len(line))
		}
	}
	return p
}

func mustSender(t *testing.T, url string) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender(url)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	s.Timeout = 10 * time.Second
	return s
}

// dialTo sends every connection to the test server, whatever host the URL
// names, as a resolver would.
func dialTo(srv *smtpServer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.ln.Addr().String())
	}
}

func TestSMTPSenderDeliversWithAuthOnLoopback(t *testing.T) {
	srv := startSMTPServer(t, smtpServerOptions{user: "parley", pass: "p@ss:word"})
	s := mustSender(t, "smtp://parley:p%40ss%3Aword@127.0.0.1:"+srv.port())
	text := "Здравствуйте!\n\nСсылка: http://parley.example.org/invite/abc_DEF-123\n" +
		".a line that starts with a dot\n" + strings.Repeat("длинная строка ", 100) + "\nend"
	err := s.Send(context.Background(), "Parley <parley@example.org>", Message{To: "anna@example.org",
		Subject: "Приглашение на портал поддержки Parley вашей организации — очень длинная тема", Text: text})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if got[0].from != "parley@example.org" || got[0].to != "anna@example.org" || !got[0].authed {
		t.Fatalf("envelope from=%q to=%q authed=%v", got[0].from, got[0].to, got[0].authed)
	}
	p := parseReceived(t, got[0].data)
	if p.subject != "Приглашение на портал поддержки Parley вашей организации — очень длинная тема" {
		t.Errorf("subject decodes to %q", p.subject)
	}
	if p.text != text+"\n" && p.text != text {
		t.Errorf("body decodes to\n%q\nwant\n%q", p.text, text)
	}
	if !strings.Contains(p.from, "parley@example.org") || !strings.Contains(p.to, "anna@example.org") {
		t.Errorf("From %q To %q", p.from, p.to)
	}
	if !strings.HasPrefix(p.messageID, "<") || !strings.HasSuffix(p.messageID, "@example.org>") {
		t.Errorf("Message-ID %q", p.messageID)
	}
	if time.Since(p.date) > time.Minute {
		t.Errorf("Date %v", p.date)
	}
	if ct := p.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if strings.Contains(got[0].data, "Subject: Приглашение") {
		t.Error("the subject went out unencoded")
	}
}

func TestSMTPSenderWithoutAuthOnLoopback(t *testing.T) {
	srv := startSMTPServer(t, smtpServerOptions{})
	s := mustSender(t, "smtp://localhost:"+srv.port())
	s.dial = dialTo(srv) // localhost may resolve to ::1 first
	if err := s.Send(context.Background(), "parley@example.org", Message{To: "Борис <boris@example.org>", Subject: "Hi", Text: "x"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.messages()
	if len(got) != 1 || got[0].to != "boris@example.org" || got[0].authed {
		t.Fatalf("received %+v", got)
	}
	if p := parseReceived(t, got[0].data); !strings.Contains(p.to, "boris@example.org") || !strings.HasPrefix(p.to, "=?utf-8?") {
		t.Errorf("To header %q should carry the encoded name", p.to)
	}
}

// Over a network, the password never travels unencrypted: no STARTTLS, no
// mail; with STARTTLS, AUTH comes only after the handshake.
func TestSMTPSenderRequiresTLSBeyondLoopback(t *testing.T) {
	t.Run("server without STARTTLS", func(t *testing.T) {
		srv := startSMTPServer(t, smtpServerOptions{user: "parley", pass: "s3cret-pass"})
		s := mustSender(t, "smtp://parley:s3cret-pass@mail.example.org:587")
		s.dial = dialTo(srv)
		err := s.Send(context.Background(), "parley@example.org", Message{To: "a@example.org", Subject: "x", Text: "y"})
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want a refusal naming STARTTLS", err)
		}
		if strings.Contains(err.Error(), "s3cret-pass") {
			t.Fatalf("error shows the password: %v", err)
		}
		if n := len(srv.authsSeen()); n != 0 {
			t.Fatalf("the server saw %d AUTH attempts over plain text", n)
		}
		if n := len(srv.dataAttempts()); n != 0 {
			t.Fatalf("the server received %d messages", n)
		}
	})
	t.Run("server with STARTTLS", func(t *testing.T) {
		serverTLS, roots := testCert(t, "mail.example.org")
		srv := startSMTPServer(t, smtpServerOptions{user: "parley", pass: "s3cret-pass", startTLS: serverTLS})
		s := mustSender(t, "smtp://parley:s3cret-pass@mail.example.org:587")
		s.dial = dialTo(srv)
		s.tlsConfig = &tls.Config{RootCAs: roots}
		if err := s.Send(context.Background(), "parley@example.org", Message{To: "a@example.org", Subject: "x", Text: "y"}); err != nil {
			t.Fatalf("send: %v", err)
		}
		auths := srv.authsSeen()
		if len(auths) != 1 || !auths[0].tls {
			t.Fatalf("AUTH attempts %+v, want one inside TLS", auths)
		}
		if got := srv.messages(); len(got) != 1 || !got[0].tls {
			t.Fatalf("received %+v, want one message over TLS", got)
		}
	})
	t.Run("certificate for another name", func(t *testing.T) {
		serverTLS, roots := testCert(t, "other.example.org")
		srv := startSMTPServer(t, smtpServerOptions{user: "parley", pass: "s3cret-pass", startTLS: serverTLS})
		s := mustSender(t, "smtp://parley:s3cret-pass@mail.example.org:587")
		s.dial = dialTo(srv)
		s.tlsConfig = &tls.Config{RootCAs: roots}
		err := s.Send(context.Background(), "parley@example.org", Message{To: "a@example.org", Subject: "x", Text: "y"})
		if err == nil {
			t.Fatal("sent over TLS to a server whose certificate names another host")
		}
		if len(srv.authsSeen()) != 0 {
			t.Fatal("the password went to a server that failed verification")
		}
	})
}

func TestSMTPSenderImplicitTLS(t *testing.T) {
	serverTLS, roots := testCert(t, "mail.example.org")
	srv := startSMTPServer(t, smtpServerOptions{user: "parley", pass: "pw", implicitTLS: serverTLS})
	s := mustSender(t, "smtps://parley:pw@mail.example.org:"+srv.port())
	s.dial = dialTo(srv)
	s.tlsConfig = &tls.Config{RootCAs: roots}
	if err := s.Send(context.Background(), "parley@example.org", Message{To: "a@example.org", Subject: "x", Text: "y"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if got := srv.messages(); len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
}

func TestSMTPReplyClassification(t *testing.T) {
	srv := startSMTPServer(t, smtpServerOptions{})
	s := mustSender(t, "smtp://127.0.0.1:"+srv.port())
	for _, tc := range []struct {
		reply     string
		temporary bool
	}{
		{"451 4.7.1 greylisted, try again later", true},
		{"452 4.2.2 mailbox full", true},
		{"550 5.1.1 no such user", false},
		{"554 5.7.1 rejected as spam", false},
	} {
		srv.failNext(tc.reply)
		err := s.Send(context.Background(), "parley@example.org", Message{To: "a@example.org", Subject: "x", Text: "y"})
		var te *textproto.Error
		if !errors.As(err, &te) {
			t.Fatalf("%s: err = %v, want the server's reply", tc.reply, err)
		}
		if Temporary(err) != tc.temporary {
			t.Errorf("%s: Temporary = %v", tc.reply, Temporary(err))
		}
	}
	// Nobody listening is a temporary problem too.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	err := mustSender(t, "smtp://127.0.0.1:"+strconv.Itoa(closed)).Send(context.Background(), "parley@example.org",
		Message{To: "a@example.org", Subject: "x", Text: "y"})
	if err == nil || !Temporary(err) {
		t.Errorf("connection refused: err = %v, temporary = %v", err, Temporary(err))
	}
}

func TestBadSMTPURLs(t *testing.T) {
	for _, tc := range []struct {
		name, url, want string
	}{
		{"other scheme", "http://user:s3cret@mail.example.org", "smtp:// or smtps://"},
		{"no scheme", "mail.example.org:587", "smtp:// or smtps://"},
		{"no host", "smtp://user:s3cret@:587", "no host"},
		{"port out of range", "smtp://user:s3cret@mail.example.org:99999", "port"},
		{"path", "smtp://user:s3cret@mail.example.org/inbox", "path"},
		{"unencoded # in password", "smtp://user:s3c#ret@mail.example.org", "percent-encoded"},
		{"user without password", "smtp://user@mail.example.org", "no password"},
		{"password without user", "smtp://:s3cret@mail.example.org", "no user name"},
		{"not a URL", "smtp://user:s3cret@mail example.org", "not a valid URL"},
		{"control character", "smtp://user:s3cret\x7f@mail.example.org", "not a valid URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSMTPSender(tc.url)
			if err == nil {
				t.Fatalf("%q accepted", tc.url)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			for _, secret := range []string{"s3cret", "s3c#ret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error repeats the password: %q", err)
				}
			}
		})
	}
	for _, ok := range []string{"smtp://mail.example.org", "smtps://u:p@mail.example.org", "SMTP://u:p%23w@mail.example.org:25", "smtp://[::1]:2525"} {
		if _, err := NewSMTPSender(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	s := mustSender(t, "smtps://parley:s3cret@mail.example.org")
	if got := s.String(); got != "smtps://parley@mail.example.org:465" || strings.Contains(got, "s3cret") {
		t.Errorf("String() = %q", got)
	}
}
