// Click-to-place on page previews. Coordinates are converted to PDF user space, taking the
// page's CropBox origin and /Rotate into account (the preview shows the rotated page).
(function () {
  const root = document.getElementById("pages");
  if (!root) return;
  const pages = JSON.parse(document.getElementById("pages-data").textContent);
  let placements = JSON.parse(document.getElementById("placements-data").textContent);
  const text = window.SEALHUB_TEXT;
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
      const mark = document.createElement("button");
      mark.type = "button";
      mark.className = "placed";
      mark.style.left = left * 100 + "%";
      mark.style.top = top * 100 + "%";
      mark.style.width = Math.abs(corners[1][0] - corners[0][0]) * 100 + "%";
      mark.style.height = Math.abs(corners[1][1] - corners[0][1]) * 100 + "%";
      const option = sealChoice && sealChoice.querySelector(`option[value="${p.seal}"]`);
      if (option) mark.style.backgroundImage = `url(${option.dataset.image})`;
      mark.setAttribute("aria-label", `${text.remove} ${p.seal_name || ""} (${text.page} ${p.page + 1})`);
      mark.addEventListener("click", (event) => { event.stopPropagation(); remove(p); });
      figure.appendChild(mark);
      listItem(p, `${text.page} ${p.page + 1}`);
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
      const created = await post(root.dataset.placementUrl, {seal: sealChoice.value, page, x, y});
      created.seal = sealChoice.value;
      created.seal_name = sealChoice.selectedOptions[0].textContent;
      placements.push(created);
      render();
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
      form.querySelector("input[name=seal]").value = sealChoice.value;
      document.querySelectorAll("#text-place-form input[name=seal], #cross-page-form input[name=seal]")
        .forEach((input) => { input.value = sealChoice.value; });
    });
  }
  render();

  // Live status of a sealing job started from this page.
  const grant = new URLSearchParams(location.search).get("grant");
  const status = document.getElementById("grant-status");
  if (grant && status) {
    status.hidden = false;
    status.textContent = text.waiting;
    const poll = async () => {
      const response = await fetch(`${location.pathname}grants/${grant}/`);
      const job = await response.json();
      status.textContent = job.error || job.label;
      if (job.status === "done") { status.textContent = text.sealed; location.replace(location.pathname); return; }
      if (job.status === "pending" || job.status === "running") setTimeout(poll, 700);
      else status.classList.add("error");
    };
    poll();
  }
})();
