// Suggestions while a customer writes a request: as the title or description changes (after a pause in the
// typing), the form's words are sent to the suggestions endpoint and what matches is listed beside the form,
// each link opening in a new tab so the form keeps what was typed. Without this script the form works alike.
(function () {
  "use strict";
  var box = document.getElementById("suggestions");
  if (!box) return;
  var form = box.closest("form");
  var list = box.querySelector("ol");
  var title = form.querySelector("[name=title]");
  var description = form.querySelector("[name=description]");
  var draft = form.querySelector("[name=submission]");
  var token = form.querySelector("[name=csrfmiddlewaretoken]");
  var timer = null;
  var asked = "";
  var latest = 0;

  function show(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "badge";
      kind.textContent = item.kind;
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = item.title;
      link.setAttribute("data-user-content", "");
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " " + box.getAttribute("data-new-tab");
      link.appendChild(hint);
      link.addEventListener("click", function () {
        if (!item.opened) return;
        var body = new FormData();
        body.append("csrfmiddlewaretoken", token.value);
        fetch(item.opened, {method: "POST", body: body, credentials: "same-origin", keepalive: true});
      });
      var snippet = document.createElement("p");
      snippet.className = "small";
      snippet.setAttribute("data-user-content", "");
      // The server escapes the text and marks the matching words: the only markup in it is <mark>.
      snippet.innerHTML = item.snippet;
      li.appendChild(kind);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link);
      li.appendChild(snippet);
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
  }

  function ask() {
    var typed = title.value + "\n" + (description ? description.value : "");
    if (typed === asked) return;
    asked = typed;
    if (!title.value.trim() && !(description && description.value.trim())) { show([]); return; }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token.value);
    body.append("title", title.value);
    body.append("description", description ? description.value : "");
    body.append("draft", draft ? draft.value : "");
    var mine = ++latest;
    fetch(box.getAttribute("data-url"), {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
      .then(function (data) { if (mine === latest) show(data.suggestions); })
      .catch(function () { /* no suggestions this time: the form works without them */ });
  }

  var sending = false;

  function soon() {
    clearTimeout(timer);
    if (!sending) timer = setTimeout(ask, 300);
  }

  // Once the request is being sent, nothing more is asked: the answer would arrive on a page being left.
  form.addEventListener("submit", function () { sending = true; clearTimeout(timer); });

  if (title) title.addEventListener("input", soon);
  if (description) description.addEventListener("input", soon);
  if (title && title.value) soon();
})();
