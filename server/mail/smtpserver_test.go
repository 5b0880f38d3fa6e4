package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a tiny SMTP server on 127.0.0.1 for tests: it speaks just
// enough ESMTP for net/smtp (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA),
// records what it receives and can answer DATA with prepared failures.
type smtpServer struct {
	t        *testing.T
	ln       net.Listener
	user     string      // AUTH PLAIN required when set
	pass     string      //
	startTLS *tls.Config // offers STARTTLS when set

	mu       sync.Mutex
	replies  []string // answers to the next DATA commands, e.g. "451 4.7.1 try later"
	received []received
	attempts []received // every DATA, accepted or not
	auths    []authSeen
	wg       sync.WaitGroup
}

type received struct {
	from, to, data string
	tls            bool
	authed         bool
}

type authSeen struct {
	identity string
	tls      bool
}

type smtpServerOptions struct {
	user, pass  string
	startTLS    *tls.Config
	implicitTLS *tls.Config // the listener speaks TLS from the first byte
}

func startSMTPServer(t *testing.T, o smtpServerOptions) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.implicitTLS != nil {
		ln = tls.NewListener(ln, o.implicitTLS)
	}
	s := &smtpServer{t: t, ln: ln, user: o.user, pass: o.pass, startTLS: o.startTLS}
	s.wg.Add(1)
	go s.serve(o.implicitTLS != nil)
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) port() string {
	_, p, _ := net.SplitHostPort(s.ln.Addr().String())
	return p
}

// failNext makes the next DATA commands answer with these replies.
func (s *smtpServer) failNext(replies ...string) {
	s.mu.Lock()
	s.replies = append(s.replies, replies...)
	s.mu.Unlock()
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

func (s *smtpServer) dataAttempts() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.attempts...)
}

func (s *smtpServer) authsSeen() []authSeen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]authSeen(nil), s.auths...)
}

func (s *smtpServer) serve(implicitTLS bool) {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			s.session(c, implicitTLS)
		}()
	}
}

func (s *smtpServer) session(c net.Conn, isTLS bool) {
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test.local ESMTP ready")
	var cur received
	authed := false
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"test.local"}
			if s.startTLS != nil && !isTLS {
				lines = append(lines, "STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "HELO", "NOOP", "RSET":
			tp.PrintfLine("250 ok")
		case "STARTTLS":
			if s.startTLS == nil || isTLS {
				tp.PrintfLine("502 not offered")
				continue
			}
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.startTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, isTLS, authed = tc, true, false
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				tp.PrintfLine("504 unsupported mechanism")
				continue
			}
			if initial == "" {
				tp.PrintfLine("334 ")
				if initial, err = tp.ReadLine(); err != nil {
					return
				}
			}
			raw, _ := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			s.mu.Lock()
			s.auths = append(s.auths, authSeen{identity: strings.Join(parts, "|"), tls: isTLS})
			s.mu.Unlock()
			if len(parts) == 3 && parts[1] == s.user && parts[2] == s.pass {
				authed = true
				tp.PrintfLine("235 2.7.0 authenticated")
			} else {
				tp.PrintfLine("535 5.7.8 bad credentials")
			}
		case "MAIL":
			if s.user != "" && !authed {
				tp.PrintfLine("530 5.7.0 authentication required")
				continue
			}
			cur = received{from: addrArg(arg), tls: isTLS, authed: authed}
			tp.PrintfLine("250 ok")
		case "RCPT":
			cur.to = addrArg(arg)
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 end with <CRLF>.<CRLF>")
			data, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			cur.data = string(data)
			s.mu.Lock()
			s.attempts = append(s.attempts, cur)
			reply := "250 2.0.0 queued"
			if len(s.replies) > 0 {
				reply, s.replies = s.replies[0], s.replies[1:]
			} else {
				s.received = append(s.received, cur)
			}
			s.mu.Unlock()
			tp.PrintfLine("%s", reply)
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 unknown command")
		}
	}
}

// addrArg takes the address out of "FROM:<a@b> BODY=8BITMIME".
func addrArg(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// testCert makes a self-signed certificate for the given names, and a pool
// that trusts it.
func testCert(t *testing.T, names ...string) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: names[0]},
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
