// Seal placement on the document page, through the placement component (placer.js): a
// click places the chosen seal centred on the point (the server sizes it to the seal's true
// size), drag and corner handles move and resize it, arrow keys nudge it; each change is
// saved through JSON without a reload.
(function () {
  const root = document.getElementById("pages");
  if (!root) return;
  const pages = JSON.parse(document.getElementById("pages-data").textContent);
  const placements = JSON.parse(document.getElementById("placements-data").textContent);
  const text = window.sealhubText();
  // "Page 4" / "第 4 页": the words around the number come from the translation.
  const pageName = (index) => text.pageNumber.replace("%(number)s", String(index + 1));
  const sealChoice = document.getElementById("seal-choice");
  const list = document.getElementById("placement-list");
  const errorBox = document.getElementById("placement-error");

  function showError(message) {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }
  function sealImage(sealId) {
    const option = sealChoice && sealChoice.querySelector(`option[value="${CSS.escape(String(sealId))}"]`);
    return option ? option.dataset.image : "";
  }
  function asItem(p) {
    return {...p, image: sealImage(p.seal), keepAspect: true, editable: Boolean(sealChoice)};
  }
  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST", body: new URLSearchParams(data),
      headers: {"X-CSRFToken": root.dataset.csrf, Accept: "application/json"},
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.detail || response.statusText);
    showError("");
    return json;
  }
  function listItems() {
    list.innerHTML = "";
    const all = [...placements.filter((p) => p.kind === "cross_page"), ...placer.items.values()];
    all.forEach((p) => {
      const item = document.createElement("li");
      item.textContent = `${p.kind === "cross_page" ? text.crossPage : pageName(p.page)} · ${p.seal_name || ""} `;
      const button = document.createElement("button");
      button.type = "button"; button.className = "link"; button.textContent = text.remove;
      button.addEventListener("click", () => remove(p).catch((error) => showError(error.message)));
      item.appendChild(button);
      list.appendChild(item);
    });
  }
  async function remove(p) {
    await post(`${root.dataset.placementUrl}${p.id}/delete/`, {});
    const index = placements.findIndex((other) => other.id === p.id);
    if (index >= 0) placements.splice(index, 1);
    placer.forget(p.id);
    listItems();
    drawCrossPage();
  }
  // 骑缝章 before sealing: page i of n shows slice i of the seal at its right edge, where the
  // sealing engine will draw it (documents/pdf/sign.py, _draw_cross_page_strips).
  function drawCrossPage() {
    root.querySelectorAll(".cross-page-slice").forEach((slice) => slice.remove());
    const count = pages.length;
    placements.filter((p) => p.kind === "cross_page").forEach((p) => {
      const strip = p.width / count;
      root.querySelectorAll("figure.page").forEach((figure) => {
        const index = Number(figure.dataset.page);
        const box = pages[index];
        const sheet = figure.querySelector(".page-sheet");
        if (!box || !sheet) return;
        const view = window.sealhubPlacer.userRectToView(box, {x: box.right - strip, y: p.y, width: strip, height: p.height});
        const slice = document.createElement("div");
        slice.className = "cross-page-slice";
        slice.setAttribute("aria-hidden", "true");  // the list of placed seals names it
        slice.dataset.page = String(index);
        slice.style.left = `${view.left * 100}%`;
        slice.style.top = `${view.top * 100}%`;
        slice.style.width = `${view.width * 100}%`;
        slice.style.height = `${view.height * 100}%`;
        const image = sealImage(p.seal);
        if (image) slice.style.backgroundImage = `url("${image}")`;
        slice.style.backgroundSize = `${count * 100}% 100%`;
        slice.style.backgroundPosition = `${count > 1 ? (index / (count - 1)) * 100 : 0}% 0`;
        sheet.appendChild(slice);
      });
    });
  }

  // Where the side panel follows the page (wide screens), a placement brings the panel's
  // Seal button into view by scrolling the panel only: the page stays where the seal is.
  function revealConfirm() {
    const card = document.getElementById("seal-form")?.closest("section");
    const side = card && card.closest(".doc-side");
    if (!side || getComputedStyle(side).position !== "sticky") return;
    const sideBox = side.getBoundingClientRect();
    const cardBox = card.getBoundingClientRect();
    if (cardBox.bottom > sideBox.bottom) side.scrollTop += Math.min(cardBox.bottom - sideBox.bottom + 8, cardBox.top - sideBox.top);
  }

  const placer = window.sealhubPlacer.attach({
    root,
    pages,
    items: placements.filter((p) => p.kind !== "cross_page").map(asItem),
    zoomIn: document.getElementById("zoom-in"),
    zoomOut: document.getElementById("zoom-out"),
    zoomOutput: document.getElementById("zoom-level"),
    snapChoice: document.getElementById("snap-lines"),
    canPlace: () => Boolean(sealChoice && sealChoice.value),
    describe: (p) => `${p.seal_name || ""} (${pageName(p.page)}): ${text.keys}`,
    onError: showError,
    async placeAt(page, x, y) {
      const option = sealChoice.selectedOptions[0];
      const first = ![...placer.items.values()].some((other) => other.seal === sealChoice.value);
      const created = await post(root.dataset.placementUrl, {seal: sealChoice.value, page, x, y, centred: "true"});
      Object.assign(created, {seal: sealChoice.value, seal_name: option.textContent, kind: "single"});
      // A seal the user may not use directly: the page offers to ask the seal keeper.
      if (first && "needsApproval" in option.dataset) location.reload();
      setTimeout(() => { listItems(); revealConfirm(); });
      return asItem(created);
    },
    async change(p, rect) {
      return post(`${root.dataset.placementUrl}${p.id}/update/`, {x: rect.x, y: rect.y, width: rect.width});
    },
    remove: (p) => remove(p),
  });
  listItems();
  drawCrossPage();

  if (sealChoice) {
    const form = document.getElementById("seal-form");
    sealChoice.addEventListener("change", () => {
      if (form) form.querySelector("input[name=seal]").value = sealChoice.value;
      document.querySelectorAll("#text-place-form input[name=seal], #cross-page-form input[name=seal]")
        .forEach((input) => { input.value = sealChoice.value; });
    });
  }

  // Live status of a sealing job started from this page.
  const grant = new URLSearchParams(location.search).get("grant");
  const status = document.getElementById("grant-status");
  if (grant && status) {
    // One banner for the job: what it is doing, for how long, then the result.
    const started = Date.now();
    const elapsed = () => text.elapsed.replace("%(seconds)s", String(Math.round((Date.now() - started) / 1000)));
    status.hidden = false;
    status.textContent = text.waiting;
    const poll = async () => {
      let job;
      try {
        job = await (await fetch(`${location.pathname}grants/${grant}/`)).json();
      } catch (error) {
        setTimeout(poll, 2000);
        return;
      }
      if (job.status === "done") {
        status.textContent = text.sealed;
        status.classList.add("success");
        location.replace(`${location.pathname}?sealed=${job.version || ""}`);
        return;
      }
      if (job.status === "pending" || job.status === "running") {
        status.textContent = `${text.waiting} ${elapsed()}`;
        setTimeout(poll, 1000);
        return;
      }
      status.textContent = job.error || job.label;
      status.classList.add("error");
    };
    poll();
  }
})();
