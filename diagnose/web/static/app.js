// diagnose serve: copy a draft to the clipboard (the only script the workspace uses).
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) { return; }
  var text = document.getElementById(button.getAttribute("data-copy")).textContent;
  var done = function () { button.textContent = button.getAttribute("data-done"); };
  var select = function () {  // where the clipboard API is missing or refused
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, select);
  } else {
    select();
  }
});
