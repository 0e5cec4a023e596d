// The deposit form (achievements/forms/deposits.py): only the result input of the chosen type
// of result is shown, and marked required. The form names them in data-result-fields
// ({"score": "score", ...}). Without this script every input is shown and the server checks
// the same; a file, not an inline script, for the Content-Security-Policy.
(function () {
  "use strict";
  document.querySelectorAll("form[data-result-fields]").forEach(function (form) {
    var fields = JSON.parse(form.getAttribute("data-result-fields"));
    var kinds = form.querySelectorAll('input[name="result_kind"]');
    function show() {
      var chosen = form.querySelector('input[name="result_kind"]:checked');
      Object.keys(fields).forEach(function (kind) {
        var input = form.querySelector('[name="' + fields[kind] + '"]');
        var wrapper = input && input.closest(".field");
        if (!wrapper) {
          return;
        }
        var shown = chosen !== null && chosen.value === kind;
        wrapper.hidden = !shown;
        wrapper.classList.toggle("required", shown);
        input.required = shown;
      });
    }
    kinds.forEach(function (radio) {
      radio.addEventListener("change", show);
    });
    show();
  });
})();
