// Behaviour the pages need without inline scripts or style attributes, which the
// Content-Security-Policy forbids (settings.CONTENT_SECURITY_POLICY).
(function () {
  "use strict";
  // Bars and progress: <span data-width="42"> gets width 42% (set through the CSSOM, which the
  // policy allows, unlike a style attribute in the markup). Re-applied after htmx swaps.
  function applyWidths(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, parseFloat(el.dataset.width) || 0)) + "%";
    });
  }
  // "Back" and "Cancel" links: <a href="/fallback" data-back> go back in history when there is one.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  // "/" anywhere but in a field puts the cursor in the search box at the top (as GitHub and Gmail do).
  document.addEventListener("keydown", function (event) {
    var typing = event.target.closest("input, textarea, select, [contenteditable]");
    var box = document.querySelector(".global-search input[name=q]");
    if (event.key === "/" && !typing && box && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
  // The search box's suggestions close with Escape and when the focus leaves the box and them;
  // the down arrow moves from the box into them.
  function closeSuggestions() {
    var pop = document.getElementById("search-suggestions");
    if (pop) { pop.innerHTML = ""; }
  }
  document.addEventListener("keydown", function (event) {
    var inSearch = event.target.closest(".global-search");
    if (!inSearch) { return; }
    if (event.key === "Escape") { closeSuggestions(); }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var links = Array.prototype.slice.call(inSearch.querySelectorAll(".suggestions a"));
      var at = links.indexOf(document.activeElement);
      var next = event.key === "ArrowDown" ? at + 1 : at - 1;
      if (links.length && next >= -1 && next < links.length) {
        event.preventDefault();
        (next === -1 ? inSearch.querySelector("input[name=q]") : links[next]).focus();
      }
    }
  });
  document.addEventListener("focusout", function (event) {
    var search = event.target.closest(".global-search");
    if (search && !search.contains(event.relatedTarget)) { closeSuggestions(); }
  });
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:afterSwap", function (event) { applyWidths(event.target); });
})();
