package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SMTPSender delivers messages to one SMTP server, as an SMTP URL names it:
//
//	smtp://user:password@host:587   STARTTLS, required unless host is loopback
//	smtps://user:password@host:465  TLS from the first byte
//
// The user and password are optional (a relay that trusts the address);
// special characters in them must be percent-encoded.
type SMTPSender struct {
	host        string
	port        string
	implicitTLS bool
	user, pass  string
	// Timeout bounds one whole delivery: connect, TLS, the SMTP conversation.
	Timeout time.Duration

	// Tests point these at a server on loopback with their own certificate.
	tlsConfig *tls.Config
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
}

// DefaultSMTPTimeout bounds one delivery attempt.
const DefaultSMTPTimeout = 30 * time.Second

// smtpURLHelp is appended to every URL error: the URL itself is never
// repeated, since it may carry the password.
const smtpURLHelp = "expected smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS), " +
	"with special characters in the user and password percent-encoded"

// NewSMTPSender checks an SMTP URL and returns the sender it describes.
// Its errors never contain the password.
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("SMTP URL is not a valid URL: %s", smtpURLHelp)
	}
	s := &SMTPSender{Timeout: DefaultSMTPTimeout}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		s.port = "587"
	case "smtps":
		s.port, s.implicitTLS = "465", true
	default:
		return nil, fmt.Errorf("SMTP URL must start with smtp:// or smtps://: %s", smtpURLHelp)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL names no host: %s", smtpURLHelp)
	}
	s.host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SMTP URL port %q is not a port number: %s", p, smtpURLHelp)
		}
		s.port = p
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return nil, fmt.Errorf("SMTP URL has a path, query or fragment after the host (a # or ? in the password must be percent-encoded): %s", smtpURLHelp)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" && s.pass != "" {
			return nil, fmt.Errorf("SMTP URL has a password but no user name: %s", smtpURLHelp)
		}
		if s.user != "" && s.pass == "" {
			return nil, fmt.Errorf("SMTP URL has the user name %q but no password: %s", s.user, smtpURLHelp)
		}
	}
	return s, nil
}

// String describes the server without the password, for logs.
func (s *SMTPSender) String() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	who := ""
	if s.user != "" {
		who = s.user + "@"
	}
	return scheme + "://" + who + net.JoinHostPort(s.host, s.port)
}

// loopback reports whether the server is on this machine, where mail never
// crosses a network and STARTTLS is not insisted on.
func (s *SMTPSender) loopback() bool {
	if strings.EqualFold(s.host, "localhost") {
		return true
	}
	ip := net.ParseIP(s.host)
	return ip != nil && ip.IsLoopback()
}

func (s *SMTPSender) tlsConf() *tls.Config {
	if s.tlsConfig != nil {
		c := s.tlsConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.host
		}
		return c
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// Send delivers one message. Errors carry the server's reply where there was
// one (see Temporary), never the password.
func (s *SMTPSender) Send(ctx context.Context, from string, m Message) error {
	fromAddr, err := netmail.ParseAddress(from)
	if err != nil {
		return fmt.Errorf("sender address %q: %w", from, err)
	}
	toAddr, err := netmail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("recipient address %q: %w", m.To, err)
	}
	raw := compose(fromAddr, toAddr, m)

	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := s.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	addr := net.JoinHostPort(s.host, s.port)
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", addr, err)
	}
	defer conn.Close()
	// One deadline for the whole conversation, and cancellation closes the
	// connection so that a stuck server never holds a caller.
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if s.implicitTLS {
		tc := tls.Client(conn, s.tlsConf())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS with SMTP server %s: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("SMTP server %s greeting: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(helloName(fromAddr.Address)); err != nil {
		return fmt.Errorf("SMTP EHLO: %w", err)
	}
	if !s.implicitTLS && !s.loopback() {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("SMTP server %s does not offer STARTTLS; Parley does not send mail unencrypted over a network (use smtps:// if it speaks TLS on connect)", addr)
		}
		if err := c.StartTLS(s.tlsConf()); err != nil {
			return fmt.Errorf("SMTP STARTTLS with %s: %w", addr, err)
		}
	}
	if s.user != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fmt.Errorf("SMTP server %s does not accept AUTH, but the SMTP URL has a user name", addr)
		}
		if err := c.Auth(&smtpAuth{user: s.user, pass: s.pass, offered: strings.Fields(strings.ToUpper(mechs))}); err != nil {
			return fmt.Errorf("SMTP AUTH as %s: %w", s.user, err)
		}
	}
	if err := c.Mail(fromAddr.Address); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	if err := c.Rcpt(toAddr.Address); err != nil {
		return fmt.Errorf("SMTP RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	// The message is accepted once DATA is; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// Temporary reports whether a failed delivery is worth trying again: a 4xx
// reply or a network problem is; a 5xx reply (no such mailbox, refused) is not.
func Temporary(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500
	}
	return true
}

// smtpAuth speaks AUTH PLAIN, or LOGIN where the server offers only that.
// net/smtp's PlainAuth would also do, but it insists on TLS by host name,
// and the rule here is already enforced above: TLS unless on loopback.
type smtpAuth struct {
	user, pass string
	offered    []string
	login      bool
}

func (a *smtpAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	if slices.Contains(a.offered, "PLAIN") || !slices.Contains(a.offered, "LOGIN") {
		return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
	}
	a.login = true
	return "LOGIN", nil, nil
}

func (a *smtpAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if !a.login {
		return nil, errors.New("unexpected challenge after AUTH PLAIN")
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:":
		return []byte(a.user), nil
	case "password:":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected AUTH LOGIN challenge %q", fromServer)
}

// helloName is what Parley calls itself in EHLO: the domain it sends from.
func helloName(from string) string {
	if _, domain, ok := strings.Cut(from, "@"); ok && domain != "" {
		return domain
	}
	return "localhost"
}

// compose renders the message as RFC 5322 text: MIME headers, an encoded
// subject, and a quoted-printable UTF-8 body with CRLF line ends.
func compose(from, to *netmail.Address, m Message) []byte {
	date := m.date
	if date.IsZero() {
		date = time.Now()
	}
	id := m.messageID
	if id == "" {
		id = newMessageID(from.Address)
	}
	var b bytes.Buffer
	header := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeSubject(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// Tells mail servers and vacation responders this is a notification.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(m.Text))
	qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// encodeSubject encodes a subject as RFC 2047 words when it is not plain
// ASCII, folding between the words so that no header line grows too long.
func encodeSubject(s string) string {
	enc := mime.BEncoding.Encode("utf-8", s)
	return strings.ReplaceAll(enc, "?= =?utf-8?", "?=\r\n =?utf-8?")
}

// newMessageID makes a unique Message-ID in the sender's domain.
func newMessageID(from string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + helloName(from) + ">"
}
