// Tenantry's little script: copy buttons, table filters, confirmations and the
// "add all users" button. Every page works without it.
"use strict";
document.addEventListener("click", function (e) {
  var copy = e.target.closest("button[data-copy]");
  if (copy) {
    var el = document.getElementById(copy.dataset.copy);
    if (el && navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy"; }, 2000);
      });
    }
    return;
  }
  var add = e.target.closest("button[data-add-users]");
  if (add) {
    var tpl = document.getElementById(add.dataset.addUsers);
    var rows = document.getElementById("user-rows");
    if (!tpl || !rows) return;
    var have = {};
    rows.querySelectorAll("input[name=email]").forEach(function (i) { if (i.value) have[i.value.toLowerCase()] = true; });
    var n = rows.querySelectorAll(".user-row").length;
    tpl.content.querySelectorAll("[data-email]").forEach(function (s) {
      var email = s.dataset.email;
      if (have[email.toLowerCase()]) return;
      var blank = Array.prototype.find.call(rows.querySelectorAll("input[name=email]"), function (i) { return !i.value; });
      if (blank) { blank.value = email; have[email.toLowerCase()] = true; return; }
      var row = rows.querySelector(".user-row:last-child").cloneNode(true);
      n++;
      row.querySelectorAll("label").forEach(function (l) { l.htmlFor = l.htmlFor.replace(/-[^-]+$/, "-" + n); });
      row.querySelectorAll("input,select").forEach(function (f) { f.id = f.id.replace(/-[^-]+$/, "-" + n); });
      row.querySelector("input[name=email]").value = email;
      rows.appendChild(row);
      have[email.toLowerCase()] = true;
    });
  }
});
document.addEventListener("submit", function (e) {
  var msg = e.target.dataset && e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) e.preventDefault();
});
document.addEventListener("input", function (e) {
  var id = e.target.dataset && e.target.dataset.filter;
  if (!id) return;
  var q = e.target.value.toLowerCase();
  document.querySelectorAll("#" + id + " tbody tr").forEach(function (tr) {
    tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0;
  });
});
