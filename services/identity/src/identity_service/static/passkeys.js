// Passkeys (WebAuthn) on authgate's pages: sign in without a password, confirm a sign-in
// with a passkey, and register, rename or remove passkeys on the account page.
// Served by the identity service (GET /api/v1/sso/static/passkeys.js); the pages that load
// it allow `script-src 'self'; connect-src 'self'` and nothing else. Every element it
// drives is in the page's markup (templates/passkey_*.html): it reads its URLs and its
// translated messages from data-* attributes, and shows the hidden parts only when the
// browser has WebAuthn. The server checks everything; this only carries JSON both ways.
(function () {
  "use strict";
  var API = "/api/v1/sso/passkeys";

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = toBytes(json.challenge);
    o.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    o.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
    return o;
  }

  function requestOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = toBytes(json.challenge);
    o.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
    return o;
  }

  function credentialJSON(cred) {
    var r = cred.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return { id: cred.id, rawId: toText(cred.rawId), type: cred.type, response: response,
             authenticatorAttachment: cred.authenticatorAttachment || null,
             clientExtensionResults: cred.getClientExtensionResults() };
  }

  function call(method, url, csrf, body) {
    var init = { method: method, credentials: "same-origin", redirect: "error",
                 headers: { "X-CSRF-Token": csrf, "Accept": "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (resp) {
      if (resp.status === 204) return {};
      return resp.json().then(function (data) {
        if (!resp.ok) {
          var err = new Error(data.error_description || data.error || String(resp.status));
          err.code = data.error;
          throw err;
        }
        return data;
      });
    });
  }

  function ui(box) {
    var alertBox = box.querySelector("[data-passkey-error]");
    return {
      csrf: box.getAttribute("data-csrf") || "",
      say: function (key) {
        if (!alertBox) return;
        alertBox.textContent = box.getAttribute("data-msg-" + key) || box.getAttribute("data-msg-failed");
        alertBox.hidden = false;
      },
      busy: function (button, on) { button.disabled = on; }
    };
  }

  function failed(view, err) {
    if (err && err.code === "login_required") {
      window.location.reload();  // the page itself sends the browser through sign-in again
      return;
    }
    var cancelled = err && (err.name === "NotAllowedError" || err.name === "AbortError");
    view.say(cancelled ? "cancelled" : err && err.name === "InvalidStateError" ? "exists" : "failed");
  }

  function signIn(box) {
    var view = ui(box), button = box.querySelector("button[data-passkey-start]");
    var purpose = box.getAttribute("data-purpose");
    var form = box.closest("main") && box.closest("main").querySelector("form input[name=return_to]");
    var returnTo = form ? form.value : "/";
    button.addEventListener("click", function () {
      view.busy(button, true);
      call("POST", API + "/authentication/options", view.csrf, { purpose: purpose })
        .then(function (options) {
          return navigator.credentials.get({ publicKey: requestOptions(options) });
        })
        .then(function (cred) {
          return call("POST", API + "/authentication/verify", view.csrf,
                      { purpose: purpose, credential: credentialJSON(cred), return_to: returnTo });
        })
        .then(function (done) { window.location.assign(done.redirect); })
        .catch(function (err) { view.busy(button, false); failed(view, err); });
    });
  }

  function register(box) {
    var view = ui(box), button = box.querySelector("button[data-passkey-start]");
    var nameInput = box.querySelector("input[name=passkey_name]");
    button.addEventListener("click", function () {
      view.busy(button, true);
      call("POST", API + "/registration/options", view.csrf, {})
        .then(function (options) {
          return navigator.credentials.create({ publicKey: creationOptions(options) });
        })
        .then(function (cred) {
          return call("POST", API + "/registration/verify", view.csrf,
                      { credential: credentialJSON(cred), name: nameInput ? nameInput.value : "" });
        })
        .then(function () { window.location.reload(); })
        .catch(function (err) { view.busy(button, false); failed(view, err); });
    });
  }

  function manage(box) {
    var view = ui(box);
    box.querySelectorAll("form[data-passkey-rename]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var name = form.querySelector("input[name=name]").value;
        call("PATCH", API + "/" + encodeURIComponent(form.getAttribute("data-passkey-rename")), view.csrf,
             { name: name })
          .then(function () { window.location.reload(); })
          .catch(function (err) { failed(view, err); });
      });
    });
    box.querySelectorAll("button[data-passkey-remove]").forEach(function (button) {
      button.addEventListener("click", function () {
        call("DELETE", API + "/" + encodeURIComponent(button.getAttribute("data-passkey-remove")), view.csrf)
          .then(function () { window.location.reload(); })
          .catch(function (err) { failed(view, err); });
      });
    });
  }

  function start() {
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    document.querySelectorAll("[data-passkeys]").forEach(function (box) {
      var kind = box.getAttribute("data-passkeys");
      box.querySelectorAll("[data-needs-script]").forEach(function (el) { el.hidden = false; });
      if (kind === "manage") manage(box);
      if (!supported) return;
      if (kind === "sign-in") signIn(box);
      if (kind === "register") register(box);
      box.querySelectorAll("[data-needs-webauthn]").forEach(function (el) { el.hidden = false; });
      if (box.hasAttribute("data-needs-webauthn")) box.hidden = false;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
