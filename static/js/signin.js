// Fills the sign-in form's device fields, so the session list shows the
// time zone and browser permissions (device meta) of this device.
const form = document.getElementById("signin-form");
if (form) {
  const tz = document.getElementById("timezone");
  try {
    tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    tz.value = "";
  }
  const meta = { "permissions.notifications": false };
  if ("Notification" in window) {
    meta["permissions.notifications"] = Notification.permission === "granted";
  }
  document.getElementById("device_meta").value = JSON.stringify(meta);
}
