package accounts

import "testing"

func TestDeviceWordsInBothLanguages(t *testing.T) {
	for _, tc := range []struct {
		lang  string
		label DeviceLabel
		want  string
	}{
		{"en", DeviceLabel{"Chrome", "131", "Windows"}, "Chrome 131 on Windows"},
		{"ru", DeviceLabel{"Chrome", "131", "Windows"}, "Chrome 131, Windows"},
		{"en", DeviceLabel{"Firefox", "", "Android"}, "Firefox on Android"},
		{"en", DeviceLabel{"", "", "Linux"}, "Browser on Linux"},
		{"ru", DeviceLabel{"Safari", "17", ""}, "Safari 17, неизвестная система"},
		{"en", DeviceLabel{}, "Unknown device"},
		{"ru", DeviceLabel{}, "Неизвестное устройство"},
		{"en", DeviceLabel{"Parley", "3.14.0", "Android"}, "Parley 3.14.0 for Android"},
		{"ru", DeviceLabel{"Parley", "", "iOS"}, "Parley для iOS"},
		{"en", DeviceLabel{"Parley", "2.9.0", ""}, "Parley 2.9.0 for Desktop"},
	} {
		if got := deviceLabel(tc.lang, tc.label); got != tc.want {
			t.Errorf("deviceLabel(%s, %+v) = %q, want %q", tc.lang, tc.label, got, tc.want)
		}
	}
	for _, tc := range []struct{ lang, code, want string }{
		{"ru", EndSignedOut, "выход из учётной записи"},
		{"en", EndRemotely, "ended from another device"},
		{"ru", EndBlocked, "учётная запись заблокирована"},
		{"en", EndPasswordReset, "password reset or set by the administrator"},
		{"en", EndIdle, "unused for too long"},
		{"ru", EndPasswordChanged, "пароль изменён"},
		// Whatever else a row holds is still shown as ended, never raw.
		{"ru", "signed out", "завершена"},
		{"en", "", "ended"},
	} {
		if got := EndReasonText(tc.lang, tc.code); got != tc.want {
			t.Errorf("EndReasonText(%s, %q) = %q, want %q", tc.lang, tc.code, got, tc.want)
		}
	}
}
