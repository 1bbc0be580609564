// A table too wide for the screen scrolls sideways in its .table-wrap. Keyboard users can only scroll what they
// can focus, so a wrap that overflows becomes a named, focusable region (named by its table's caption, or by the
// heading before it); one that fits stays out of the tab order. Rechecked when the window is resized.
(function () {
  "use strict";
  var counter = 0;

  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      if (!caption.id) caption.id = "table-caption-" + (++counter);
      return {labelledby: caption.id};
    }
    var table = wrap.querySelector("table");
    if (table && table.getAttribute("aria-label")) return {label: table.getAttribute("aria-label")};
    return null;
  }

  function mark(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
      var name = nameOf(wrap);
      if (name) {
        wrap.setAttribute("role", "region");
        if (name.labelledby) wrap.setAttribute("aria-labelledby", name.labelledby);
        else wrap.setAttribute("aria-label", name.label);
      }
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-labelledby");
      wrap.removeAttribute("aria-label");
    }
  }

  function markAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), mark);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(markAll, 150);
  });
  markAll();
})();
