// Passkeys. A form with data-passkey="create" (add one) or data-passkey="get" (sign in or confirm with one)
// is hidden until this script finds a browser that can use passkeys. On submit it asks the server for the
// options (POST to data-options), hands them to the browser's authenticator, puts the authenticator's answer
// (JSON) into the form's "credential" field and sends the form. What goes wrong is written into the form's
// [data-passkey-status] element (a live region), in the words of its data-cancelled and data-failed texts.
(() => {
  "use strict";
  const credentials = window.PublicKeyCredential;
  if (!credentials || !credentials.parseCreationOptionsFromJSON || !credentials.parseRequestOptionsFromJSON) {
    return;
  }

  async function answer(form) {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const reply = await fetch(form.dataset.options, {
      method: "POST",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await reply.json().catch(() => ({}));
    if (!reply.ok) {
      throw new Error(body.error || "");
    }
    const credential =
      form.dataset.passkey === "create"
        ? await navigator.credentials.create({ publicKey: credentials.parseCreationOptionsFromJSON(body) })
        : await navigator.credentials.get({ publicKey: credentials.parseRequestOptionsFromJSON(body) });
    return JSON.stringify(credential.toJSON());
  }

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = form.querySelector("[data-passkey-status]");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      status.textContent = "";
      try {
        form.querySelector("input[name=credential]").value = await answer(form);
        form.submit();
      } catch (error) {
        status.textContent =
          error.name === "NotAllowedError" || error.name === "AbortError"
            ? status.dataset.cancelled
            : error.message || status.dataset.failed;
        button.disabled = false;
      }
    });
  }
})();
