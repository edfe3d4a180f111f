// Plan forms, small helps that the forms work without: a search box over each multi-select, and the
// action's role preselected from its owner's (still editable). No library, no CDN.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function addFilter(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "choice-filter";
    box.setAttribute("data-testid", "filter-" + select.name);
    var english = (document.documentElement.lang || "fr").indexOf("en") === 0;
    box.setAttribute("aria-label", english ? "Search the choices" : "Rechercher dans la liste");
    box.placeholder = english ? "Search…" : "Rechercher…";
    box.addEventListener("input", function () {
      var wanted = fold(box.value.trim());
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = wanted !== "" && !option.selected && fold(option.text).indexOf(wanted) === -1;
      });
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // filtering, not submitting
    });
    select.parentNode.insertBefore(box, select);
  }

  function followOwner(owner) {
    var role = document.getElementById(owner.getAttribute("data-role-for"));
    if (!role) return;
    var chosenByHand = role.value !== "";
    role.addEventListener("change", function () { chosenByHand = true; });
    owner.addEventListener("change", function () {
      var option = owner.options[owner.selectedIndex];
      var wanted = option ? option.getAttribute("data-role") : null;
      if (wanted && (!chosenByHand || role.value === "")) {
        role.value = wanted;
        chosenByHand = false;
      }
    });
  }

  function init() {
    document.querySelectorAll("form select[multiple]").forEach(addFilter);
    document.querySelectorAll("select[data-role-for]").forEach(followOwner);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
