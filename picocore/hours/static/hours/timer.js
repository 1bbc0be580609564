// The running timer's elapsed time, kept current while the page is open. The server counts the time; this only
// redraws what the page showed when it was rendered ("1.5 h"), so nothing is lost without JavaScript.
(function () {
  "use strict";
  var shown = document.querySelector("[data-timer-started]");
  if (!shown) return;
  var started = Date.parse(shown.getAttribute("data-timer-started"));
  if (isNaN(started)) return;
  function draw() {
    var minutes = Math.max(1, Math.ceil((Date.now() - started) / 60000));
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    shown.textContent = hours + ":" + (rest < 10 ? "0" : "") + rest;
  }
  draw();
  window.setInterval(draw, 15000);
})();
