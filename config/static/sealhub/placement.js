// Click-to-place on page previews. Coordinates are converted to PDF user space, taking the
// page's CropBox origin and /Rotate into account (the preview shows the rotated page).
(function () {
  const root = document.getElementById("pages");
  if (!root) return;
  const pages = JSON.parse(document.getElementById("pages-data").textContent);
  let placements = JSON.parse(document.getElementById("placements-data").textContent);
  const text = window.sealhubText();
  // "Page 4" / "第 4 页": the words around the number come from the translation.
  const pageName = (index) => text.pageNumber.replace("%(number)s", String(index + 1));
  const sealChoice = document.getElementById("seal-choice");
  const list = document.getElementById("placement-list");
  const SEAL_PT = 42 / 25.4 * 72;

  function toPdf(box, u, v) {
    // u, v: 0..1 from the top-left of the displayed (rotated) page.
    const w = box.right - box.left, h = box.top - box.bottom;
    switch (box.rotation) {
      case 90: return [box.left + v * w, box.bottom + u * h];
      case 180: return [box.right - u * w, box.bottom + v * h];
      case 270: return [box.right - v * w, box.top - u * h];
      default: return [box.left + u * w, box.top - v * h];
    }
  }
  function toScreen(box, x, y) {
    const w = box.right - box.left, h = box.top - box.bottom;
    switch (box.rotation) {
      case 90: return [(y - box.bottom) / h, (x - box.left) / w];
      case 180: return [(box.right - x) / w, (y - box.bottom) / h];
      case 270: return [(box.top - y) / h, (box.right - x) / w];
      default: return [(x - box.left) / w, (box.top - y) / h];
    }
  }
  function render() {
    root.querySelectorAll(".placed").forEach((node) => node.remove());
    list.innerHTML = "";
    placements.forEach((p) => {
      if (p.kind === "cross_page") { listItem(p, text.crossPage); return; }
      const figure = root.querySelector(`.page[data-page="${p.page}"]`);
      const box = pages[p.page];
      const corners = [toScreen(box, p.x, p.y), toScreen(box, p.x + p.width, p.y + p.height)];
      const left = Math.min(corners[0][0], corners[1][0]), top = Math.min(corners[0][1], corners[1][1]);
      const mark = document.createElement("div");
      mark.className = "placed";
      mark.tabIndex = 0;
      mark.setAttribute("role", "button");
      mark.dataset.id = p.id;
      mark.style.left = left * 100 + "%";
      mark.style.top = top * 100 + "%";
      mark.style.width = Math.abs(corners[1][0] - corners[0][0]) * 100 + "%";
      mark.style.height = Math.abs(corners[1][1] - corners[0][1]) * 100 + "%";
      const option = sealChoice && sealChoice.querySelector(`option[value="${p.seal}"]`);
      if (option) mark.style.backgroundImage = `url(${option.dataset.image})`;
      mark.setAttribute("aria-label", `${p.seal_name || ""} (${pageName(p.page)}): ${text.keys}`);
      const handle = document.createElement("span");
      handle.className = "resize-handle";
      mark.appendChild(handle);
      enableDrag(mark, handle, p, figure);
      mark.addEventListener("keydown", (event) => keyboard(event, p));
      figure.appendChild(mark);
      listItem(p, pageName(p.page));
    });
  }
  function listItem(p, where) {
    const item = document.createElement("li");
    item.textContent = `${where} · ${p.seal_name || ""} `;
    const button = document.createElement("button");
    button.type = "button"; button.className = "link"; button.textContent = text.remove;
    button.addEventListener("click", () => remove(p));
    item.appendChild(button);
    list.appendChild(item);
  }
  async function post(url, data) {
    const body = new URLSearchParams(data);
    const response = await fetch(url, {method: "POST", body, headers: {"X-CSRFToken": root.dataset.csrf}});
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.detail || response.statusText);
    return json;
  }
  // Drag the seal to move it; drag the corner handle to resize it (proportions kept).
  function enableDrag(mark, handle, p, figure) {
    mark.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      event.stopPropagation();
      const resizing = event.target === handle;
      const image = figure.querySelector("img").getBoundingClientRect();
      const start = {x: event.clientX, y: event.clientY, left: mark.offsetLeft, top: mark.offsetTop,
                     width: mark.offsetWidth, height: mark.offsetHeight};
      mark.setPointerCapture(event.pointerId);
      const move = (moveEvent) => {
        const dx = moveEvent.clientX - start.x, dy = moveEvent.clientY - start.y;
        if (resizing) {
          const width = Math.max(20, start.width + dx);
          mark.style.width = (width / image.width) * 100 + "%";
          mark.style.height = ((width * start.height / start.width) / image.height) * 100 + "%";
        } else {
          mark.style.left = ((start.left + dx) / image.width) * 100 + "%";
          mark.style.top = ((start.top + dy) / image.height) * 100 + "%";
        }
      };
      const up = () => {
        mark.removeEventListener("pointermove", move);
        mark.removeEventListener("pointerup", up);
        if (mark.offsetLeft !== start.left || mark.offsetTop !== start.top || mark.offsetWidth !== start.width) save(p, mark, figure);
      };
      mark.addEventListener("pointermove", move);
      mark.addEventListener("pointerup", up);
    });
  }
  function keyboard(event, p) {
    const mark = event.currentTarget, figure = mark.parentElement;
    const image = figure.querySelector("img").getBoundingClientRect();
    const step = event.shiftKey ? 20 : 5;
    const moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
    if (event.key === "Delete" || event.key === "Backspace") { event.preventDefault(); remove(p); return; }
    if (moves[event.key]) {
      event.preventDefault();
      mark.style.left = ((mark.offsetLeft + moves[event.key][0]) / image.width) * 100 + "%";
      mark.style.top = ((mark.offsetTop + moves[event.key][1]) / image.height) * 100 + "%";
    } else if (event.key === "+" || event.key === "-") {
      event.preventDefault();
      const factor = event.key === "+" ? 1.05 : 0.95;
      mark.style.width = ((mark.offsetWidth * factor) / image.width) * 100 + "%";
      mark.style.height = ((mark.offsetHeight * factor) / image.height) * 100 + "%";
    } else { return; }
    clearTimeout(mark.saveTimer);
    mark.saveTimer = setTimeout(() => save(p, mark, figure), 400);
  }
  async function save(p, mark, figure) {
    const image = figure.querySelector("img").getBoundingClientRect();
    const box = pages[p.page];
    const u0 = mark.offsetLeft / image.width, v0 = mark.offsetTop / image.height;
    const u1 = (mark.offsetLeft + mark.offsetWidth) / image.width, v1 = (mark.offsetTop + mark.offsetHeight) / image.height;
    const a = toPdf(box, u0, v0), b = toPdf(box, u1, v1);
    const x = Math.min(a[0], b[0]), y = Math.min(a[1], b[1]), width = Math.abs(b[0] - a[0]);
    try {
      Object.assign(p, await post(`${root.dataset.placementUrl}${p.id}/update/`, {x, y, width}));
    } catch (error) { alert(error.message); }
    render();
    const again = root.querySelector(`.placed[data-id="${p.id}"]`);
    if (again) again.focus();
  }
  async function remove(p) {
    await post(`${root.dataset.placementUrl}${p.id}/delete/`, {});
    placements = placements.filter((other) => other.id !== p.id);
    render();
  }
  async function place(figure, clientX, clientY) {
    if (!sealChoice) return;
    const page = Number(figure.dataset.page);
    const box = pages[page];
    const rect = figure.querySelector("img").getBoundingClientRect();
    const [cx, cy] = toPdf(box, (clientX - rect.left) / rect.width, (clientY - rect.top) / rect.height);
    const x = Math.min(Math.max(cx - SEAL_PT / 2, box.left), box.right - SEAL_PT);
    const y = Math.min(Math.max(cy - SEAL_PT / 2, box.bottom), box.top - SEAL_PT);
    try {
      const option = sealChoice.selectedOptions[0];
      const first = !placements.some((other) => other.seal === sealChoice.value);
      const created = await post(root.dataset.placementUrl, {seal: sealChoice.value, page, x, y});
      created.seal = sealChoice.value;
      created.seal_name = option.textContent;
      placements.push(created);
      render();
      // A seal the user may not use directly: the page offers to ask the seal keeper.
      if (first && "needsApproval" in option.dataset) location.reload();
    } catch (error) { alert(error.message); }
  }
  root.querySelectorAll(".page").forEach((figure) => {
    const image = figure.querySelector("img");
    image.addEventListener("click", (event) => place(figure, event.clientX, event.clientY));
    image.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      const rect = image.getBoundingClientRect();  // keyboard: place at the lower right, where seals usually go
      place(figure, rect.left + rect.width * 0.75, rect.top + rect.height * 0.8);
    });
  });
  if (sealChoice) {
    const form = document.getElementById("seal-form");
    sealChoice.addEventListener("change", () => {
      if (form) form.querySelector("input[name=seal]").value = sealChoice.value;
      document.querySelectorAll("#text-place-form input[name=seal], #cross-page-form input[name=seal]")
        .forEach((input) => { input.value = sealChoice.value; });
    });
  }
  render();

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
