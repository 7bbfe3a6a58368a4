// Live status of a U-key signing session; back to the document once it is sealed.
(() => {
  const box = document.getElementById("seal-session");
  const status = document.getElementById("seal-session-status");
  if (!box || !status) return;
  const text = window.sealhubText();
  const poll = async () => {
    let state;
    try {
      state = await (await fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}})).json();
    } catch (error) {
      setTimeout(poll, 2000);
      return;
    }
    const progress = state.steps > 1 ? ` (${text.step} ${state.step} / ${state.steps})` : "";
    status.textContent = (state.error || state.label) + progress;
    if (state.status === "done") {
      status.textContent = text.sealed;
      location.replace(box.dataset.documentUrl);
      return;
    }
    if (state.status === "waiting" || state.status === "finishing") setTimeout(poll, 1000);
    else status.classList.add("error");
  };
  poll();
})();
