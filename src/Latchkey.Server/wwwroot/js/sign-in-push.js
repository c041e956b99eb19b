// Waits for the push of the sign-in page to be answered on the device: asks every two seconds whether it still waits
// (a read-only check), then submits the page's form, which takes the answer on the server. Without this script, the
// form's button does the same. At the authenticator app's set-up, its button copies the activation command.
(function () {
  "use strict";
  var copy = document.getElementById("copy-command");
  var command = document.getElementById("enroll-command");
  if (copy && command && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var status = document.getElementById("status");
      navigator.clipboard.writeText(command.textContent).then(function () {
        status.textContent = "The command was copied.";
        status.className = "status";
      });
    });
  }
  var form = document.getElementById("push-wait");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-status-url");
  var stopped = false;
  function check() {
    if (stopped) { return; }
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { waiting: false }; })
      .then(function (status) {
        if (status.waiting) { setTimeout(check, 2000); } else { stopped = true; form.submit(); }
      })
      .catch(function () { setTimeout(check, 5000); });
  }
  setTimeout(check, 2000);
})();
