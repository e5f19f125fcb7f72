// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // Move focus to a swapped region that asks for it, so screen readers follow the update.
  const target = event.detail.target;
  if (target && target.hasAttribute("data-focus-after-swap")) {
    target.focus();
  }
});
document.documentElement.classList.add("kp-js");
