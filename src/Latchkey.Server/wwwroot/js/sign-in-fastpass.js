// FastPass on the sign-in page (docs/fastpass.md, okta-api.md 10.5): probe Latchkey Verify on this computer's loopback
// ports (GET /probe, each within the probe timeout), hand the first that answers the org-signed challenge
// (POST /challenge), then ask the server every second whether the sign-in was answered and submit the page's form when
// it was. When no app answers, say so plainly, cancel the challenge (IDX poll/cancel, reason OV_UNREACHABLE_BY_LOOPBACK)
// and leave the other ways to sign in on the page.
(function () {
  "use strict";
  var form = document.getElementById("fastpass-wait");
  if (!form || !window.fetch) { return; }
  var challenge = form.getAttribute("data-challenge");
  var domain = form.getAttribute("data-domain");
  var ports = (form.getAttribute("data-ports") || "").split(",").filter(Boolean);
  var probeTimeout = parseInt(form.getAttribute("data-probe-timeout"), 10) || 3000;
  var progress = document.getElementById("fastpass-progress");
  var status = document.getElementById("status");
  var alertBox = document.getElementById("alert");
  var stateHandle = form.querySelector("input[name=stateHandle]").value;

  function say(box, text) { box.textContent = text; box.className = box.id === "alert" ? "alert" : "status"; }

  function withTimeout(url, options, millis) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, millis);
    options.signal = controller.signal;
    return fetch(url, options).finally(function () { clearTimeout(timer); });
  }

  function probe(index) {
    if (index >= ports.length) { return Promise.resolve(null); }
    var base = domain + ":" + ports[index];
    return withTimeout(base + "/probe", { method: "GET", mode: "cors" }, probeTimeout)
      .then(function (response) { return response.ok ? base : probe(index + 1); })
      .catch(function () { return probe(index + 1); });
  }

  function unreachable() {
    say(alertBox, "Latchkey Verify is not running on this computer: start `latchkey-verify listen`, then try again, or sign in another way.");
    progress.textContent = "FastPass could not reach Latchkey Verify.";
    fetch(form.getAttribute("data-cancel-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/ion+json; okta-version=1.0.0" },
      body: JSON.stringify({ stateHandle: stateHandle, reason: "OV_UNREACHABLE_BY_LOOPBACK", statusCode: null })
    }).catch(function () { /* the challenge expires by itself */ });
  }

  function poll() {
    fetch(form.getAttribute("data-status-url"), { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { waiting: false }; })
      .then(function (answer) { if (answer.waiting) { setTimeout(poll, 1000); } else { form.submit(); } })
      .catch(function () { setTimeout(poll, 3000); });
  }

  if (!challenge) { return; } // a reload: the button asks the server
  say(status, "Looking for Latchkey Verify on this computer…");
  probe(0).then(function (base) {
    if (!base) { unreachable(); return; }
    say(status, "Latchkey Verify found: waiting for it to answer…");
    return fetch(base + "/challenge", {
      method: "POST", mode: "cors", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ challengeRequest: challenge })
    }).then(function (response) {
      if (response.ok) { poll(); return; }
      return response.json().then(function (body) {
        say(alertBox, "Latchkey Verify did not sign you in: " + (body && body.error ? body.error : "it refused the challenge") + ". Sign in another way.");
      });
    });
  }).catch(function () { unreachable(); });
})();
