// Behaviour every page shares. The Content-Security-Policy allows no inline script or
// style attribute, so pages describe what they need in data-* attributes.
(() => {
  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.querySelectorAll("[data-autosubmit]").forEach((field) => {
    field.addEventListener("change", () => field.form && field.form.submit());
  });
  // Marks over page previews: position and size in % of the page, optional image.
  document.querySelectorAll("[data-mark-left]").forEach((mark) => {
    const box = mark.dataset;
    mark.style.left = `${box.markLeft}%`;
    mark.style.top = `${box.markTop}%`;
    mark.style.width = `${box.markWidth}%`;
    mark.style.height = `${box.markHeight}%`;
    if (box.markImage) mark.style.backgroundImage = `url("${box.markImage}")`;
  });
  // The phone menu's button (hidden without this script, so the menu then stays open).
  const menuToggle = document.querySelector(".menu-toggle");
  if (menuToggle) {
    document.documentElement.classList.add("js-menu");
    menuToggle.hidden = false;
    menuToggle.addEventListener("click", () => {
      const open = menuToggle.getAttribute("aria-expanded") !== "true";
      menuToggle.setAttribute("aria-expanded", String(open));
      menuToggle.closest(".topbar").classList.toggle("menu-open", open);
    });
  }
  // A table wider than a phone scrolls inside its box: keyboard users reach it with Tab
  // and scroll it with the arrow keys.
  const tablesScrollable = () => document.querySelectorAll(".table").forEach((table) => {
    if (table.scrollWidth > table.clientWidth) table.tabIndex = 0;
    else table.removeAttribute("tabindex");
  });
  tablesScrollable();
  window.addEventListener("resize", tablesScrollable);
})();

// Texts a page's script shows, translated on the server: <div id="sealhub-text" data-*>.
window.sealhubText = () => {
  const holder = document.getElementById("sealhub-text");
  return holder ? {...holder.dataset} : {};
};
