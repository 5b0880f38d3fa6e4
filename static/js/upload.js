// Upload form enhancement: drop files anywhere on the drop zone and watch a
// progress bar while they are sent. Without JavaScript the form posts as is.
const form = document.getElementById("upload-form");
const input = document.getElementById("files");
const zone = document.getElementById("dropzone");
const bar = document.getElementById("upload-progress");
const status = document.getElementById("upload-status");

if (form && input && zone && bar && status) {
  const describe = () => {
    const files = Array.from(input.files);
    const total = files.reduce((n, f) => n + f.size, 0);
    status.textContent = files.length ? `${files.map((f) => f.name).join(", ")} (${(total / 1048576).toFixed(1)} MB)` : "";
  };
  input.addEventListener("change", describe);

  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, () => zone.classList.remove("over"));
  }
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      describe();
    }
  });

  form.addEventListener("submit", (e) => {
    if (!input.files.length) return;
    e.preventDefault();
    const data = new FormData(form);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "upload.js");
    bar.hidden = false;
    bar.value = 0;
    form.querySelector("button[type=submit]").disabled = true;
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) {
        bar.value = Math.round((ev.loaded / ev.total) * 100);
        status.textContent = `${bar.value} %`;
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        bar.value = 100;
        window.location.href = xhr.responseText.trim();
        return;
      }
      status.textContent = xhr.responseText || `HTTP ${xhr.status}`;
      status.classList.add("error");
      form.querySelector("button[type=submit]").disabled = false;
    });
    xhr.addEventListener("error", () => {
      status.textContent = "Network error";
      status.classList.add("error");
      form.querySelector("button[type=submit]").disabled = false;
    });
    xhr.send(data);
  });
}
