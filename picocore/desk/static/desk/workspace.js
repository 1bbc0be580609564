/* The desk ticket page as a workspace: the composer's reply/note tabs, canned replies, and who else is on the
   ticket. Without JavaScript the page works as it is: two forms, a canned reply chosen by reloading the page
   with it filled in, no presence line. */
(function () {
  "use strict";

  function setUpTabs(compose) {
    var tabList = compose.querySelector("[data-tabs]");
    var tabs = Array.prototype.slice.call(compose.querySelectorAll("[role=tab]"));
    if (!tabList || tabs.length < 2) return;
    var panels = {};
    tabs.forEach(function (tab) {
      panels[tab.dataset.tab] = compose.querySelector("[data-panel=" + tab.dataset.tab + "]");
      panels[tab.dataset.tab].setAttribute("role", "tabpanel");
      panels[tab.dataset.tab].setAttribute("aria-labelledby", tab.id);
    });
    tabList.setAttribute("role", "tablist");
    tabList.setAttribute("aria-label", compose.querySelector("h3").textContent);
    tabList.hidden = false;
    compose.classList.add("tabbed");

    function select(tab, focus) {
      tabs.forEach(function (other) {
        var on = other === tab;
        other.setAttribute("aria-selected", on ? "true" : "false");
        other.tabIndex = on ? 0 : -1;
        panels[other.dataset.tab].hidden = !on;
      });
      if (focus) tab.focus();
    }
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { select(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (event.key === "Home") step = -index;
        if (event.key === "End") step = tabs.length - 1 - index;
        if (step === undefined) return;
        event.preventDefault();
        select(tabs[(index + step + tabs.length) % tabs.length], true);
      });
    });
    var active = compose.querySelector("[data-panel][data-active]");
    var initial = tabs.filter(function (tab) { return active && tab.dataset.tab === active.dataset.panel; })[0];
    select(initial || tabs[0], false);
  }

  function setUpPresence(line) {
    var url = line.dataset.presenceUrl;
    var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !tokenInput || !window.fetch) return;
    var typedAt = 0;
    var lastSentTyping = 0;
    var POLL_MS = 12000;
    var TYPING_MS = 10000;

    function show(others) {
      if (!others.length) {
        line.textContent = "";
        line.hidden = true;
        return;
      }
      var parts = others.map(function (other) {
        return other.typing ? line.dataset.typing.replace("%(name)s", other.name)
                            : line.dataset.viewing.replace("%(name)s", other.name);
      });
      line.textContent = parts.join(" · ");
      line.hidden = false;
    }

    function poll() {
      var typing = Date.now() - typedAt < TYPING_MS;
      if (typing) lastSentTyping = Date.now();
      var body = new URLSearchParams();
      body.set("typing", typing ? "1" : "0");
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenInput.value, "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString()
      }).then(function (response) {
        return response.ok ? response.json() : { others: [] };
      }).then(function (answer) { show(answer.others || []); }, function () { /* offline: try again later */ });
    }

    Array.prototype.forEach.call(document.querySelectorAll("[data-typing]"), function (area) {
      area.addEventListener("input", function () {
        typedAt = Date.now();
        // Say "typing" soon after the first keystroke, then at most every few seconds.
        if (Date.now() - lastSentTyping > 5000) poll();
      });
    });
    line.hidden = true;
    poll();
    window.setInterval(poll, POLL_MS);
  }

  /* Choosing a canned reply fills the composer from the replies the page embeds (already filled in for this
     ticket by the server): its tab, its text (at the cursor, when a draft is already being written), and the
     status and next step sent with it. */
  function setUpCannedReplies(compose) {
    var chooser = compose.querySelector("[data-canned]");
    var data = document.getElementById("canned-replies");
    if (!chooser || !data) return;
    var replies = {};
    JSON.parse(data.textContent).forEach(function (reply) { replies[String(reply.id)] = reply; });
    var select = chooser.querySelector("select");
    var notice = document.getElementById("canned-notice");
    var lastFilled = {};

    function apply(reply) {
      var form = compose.querySelector("[data-panel=" + reply.tab + "]");
      if (!form) return;
      var tab = compose.querySelector("[role=tab][data-tab=" + reply.tab + "]");
      if (tab && tab.getAttribute("aria-selected") !== "true") tab.click();
      var area = form.querySelector("textarea[name=body]");
      var current = area.value;
      if (!current.trim() || current === lastFilled[reply.tab]) {
        area.value = reply.body;
      } else {
        var at = area.selectionStart || current.length;
        area.value = current.slice(0, at) + reply.body + current.slice(area.selectionEnd || at);
      }
      lastFilled[reply.tab] = area.value;
      var status = form.querySelector("select[name=status]");
      var step = form.querySelector("input[name=next_step]");
      var due = form.querySelector("input[name=next_step_due]");
      if (status) status.value = reply.status;
      if (step) step.value = reply.next_step;
      if (due) due.value = reply.next_step_due;
      var also = form.querySelector("details.compose-also");
      if (also && (reply.status || reply.next_step)) also.open = true;
      if (notice) {
        notice.textContent = reply.status_refused;
        notice.hidden = !reply.status_refused;
      }
      area.focus();
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function chosen() {
      var reply = replies[select.value];
      if (reply) apply(reply);
      return reply;
    }
    select.addEventListener("change", chosen);
    chooser.addEventListener("submit", function (event) {
      // The button without JavaScript reloads the page filled in; here it fills in place.
      if (chosen() || !select.value) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-compose]"), function (compose) {
      setUpTabs(compose);
      setUpCannedReplies(compose);
    });
    var line = document.getElementById("presence");
    if (line) setUpPresence(line);
  });
})();
