// Envelope pages. Draft: choose a party, click on a page preview to place its field; the
// click is converted to PDF user space (CropBox origin and /Rotate, as placement.js does)
// and the field is centred on it. Inbox: follow a sealing job, then reload.
(function () {
  const MM = 72 / 25.4;
  const SIZES = {company: [42 * MM, 42 * MM], person: [50 * MM, 20 * MM]};

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

  const root = document.getElementById("pages");
  const partyChoice = document.getElementById("field-party");
  const pagesData = document.getElementById("pages-data");
  if (root && partyChoice && pagesData) {
    const pages = JSON.parse(pagesData.textContent);
    const errorBox = document.getElementById("field-error");
    let busy = false;

    async function place(figure, clientX, clientY) {
      if (busy) return;
      const option = partyChoice.selectedOptions[0];
      if (!option) return;
      const page = Number(figure.dataset.page);
      const box = pages[page];
      const rect = figure.querySelector("img").getBoundingClientRect();
      const [cx, cy] = toPdf(box, (clientX - rect.left) / rect.width, (clientY - rect.top) / rect.height);
      const [width, height] = SIZES[option.dataset.kind] || SIZES.company;
      // Rotated pages show width and height swapped; the field stays upright in PDF space.
      const x = Math.min(Math.max(cx - width / 2, box.left), box.right - width);
      const y = Math.min(Math.max(cy - height / 2, box.bottom), box.top - height);
      busy = true;
      try {
        const response = await fetch(option.dataset.url, {
          method: "POST",
          body: new URLSearchParams({page, x, y}),
          headers: {"X-CSRFToken": root.dataset.csrf, Accept: "application/json"},
        });
        const json = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(json.detail || response.statusText);
        sessionStorage.setItem("envelope-party", partyChoice.value);
        location.reload();
      } catch (error) {
        if (errorBox) { errorBox.textContent = error.message; errorBox.hidden = false; }
      } finally {
        busy = false;
      }
    }

    const remembered = sessionStorage.getItem("envelope-party");
    if (remembered && partyChoice.querySelector(`option[value="${remembered}"]`)) partyChoice.value = remembered;
    root.querySelectorAll(".page").forEach((figure) => {
      const image = figure.querySelector("img");
      image.addEventListener("click", (event) => place(figure, event.clientX, event.clientY));
      image.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        const rect = image.getBoundingClientRect();  // keyboard: the lower right, where seals usually go
        place(figure, rect.left + rect.width * 0.75, rect.top + rect.height * 0.8);
      });
    });
  }

  const status = document.getElementById("job-status");
  if (status) {
    const poll = async () => {
      const response = await fetch(status.dataset.url, {headers: {Accept: "application/json"}});
      const job = await response.json().catch(() => ({}));
      // 404: the envelope ended meanwhile (this seal may have completed it); its page says so.
      if (response.status === 404) { location.replace(status.dataset.reload); return; }
      if (!response.ok) { status.textContent = job.detail || response.statusText; status.classList.add("error"); return; }
      status.textContent = job.error || job.status_label || status.dataset.waiting;
      if (job.status === "done") {
        status.textContent = status.dataset.done;
        location.replace(status.dataset.reload);
        return;
      }
      if (job.status === "pending" || job.status === "running") setTimeout(poll, 800);
      else status.classList.add("error");
    };
    poll();
  }
})();
