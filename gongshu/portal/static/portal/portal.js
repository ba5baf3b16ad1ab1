// The portal's only script: the copy buttons. The preview is rendered on the server (its
// filters, sort and page are in the URL), so it works without this. No library, no CDN.
(function () {
  "use strict";

  function text(el, value) { el.textContent = value; return el; }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        var value = source.textContent;
        var done = function () {
          var label = button.textContent;
          text(button, button.dataset.done);
          setTimeout(function () { text(button, label); }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(value).then(done);
        } else {
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
        }
      });
    });
  }

  copyButtons();
})();
