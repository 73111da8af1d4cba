// The print button of printable pages (inline handlers are not allowed by the CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
