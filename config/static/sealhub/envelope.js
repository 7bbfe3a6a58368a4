// Envelope pages. Draft: choose a party and click on a page to place its field, then drag,
// resize or nudge it with the placement component (placer.js); every change is saved
// through JSON, with no reload. Inbox: follow a sealing job, then reload.
(function () {
  const root = document.getElementById("pages");
  const fieldsData = document.getElementById("fields-data");
  const pagesData = document.getElementById("pages-data");
  if (root && fieldsData && pagesData && window.sealhubPlacer) {
    const pages = JSON.parse(pagesData.textContent);
    const text = window.sealhubText();
    const partyChoice = document.getElementById("field-party");
    const errorBox = document.getElementById("field-error");
    const pageName = (index) => text.pageNumber.replace("%(number)s", String(index + 1));
    const showError = (message) => {
      if (!errorBox) return;
      errorBox.textContent = message;
      errorBox.hidden = !message;
    };
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
    const kindName = (field) => (field.kind === "seal" ? text.seal : text.signature);
    function asItem(field) {
      return {...field, keepAspect: field.kind === "seal", className: "envelope-field"};
    }
    // The party's list in the side panel follows the fields placed.
    function listAdd(field) {
      const list = document.querySelector(`[data-party-fields="${CSS.escape(field.party)}"]`);
      if (!list) return;
      const item = document.createElement("li");
      item.dataset.fieldId = field.id;
      item.append(`${kindName(field)} · ${pageName(field.page)} `);
      const button = document.createElement("button");
      button.type = "button"; button.className = "link"; button.textContent = text.remove;
      button.addEventListener("click", () => remove(field).catch((error) => showError(error.message)));
      item.appendChild(button);
      list.appendChild(item);
      listChanged(field.party);
    }
    function listChanged(party) {
      const list = document.querySelector(`[data-party-fields="${CSS.escape(party)}"]`);
      const empty = document.querySelector(`[data-party-empty="${CSS.escape(party)}"]`);
      if (!list) return;
      if (list.children.length && empty) empty.remove();
      if (!list.children.length && !empty) {
        const note = document.createElement("p");
        note.className = "error small";
        note.dataset.partyEmpty = party;
        note.textContent = text.noField;
        list.after(note);
      }
    }
    async function remove(field) {
      await post(field.remove_url, {});
      placer.forget(field.id);
      const item = document.querySelector(`[data-field-id="${CSS.escape(field.id)}"]`);
      if (item) item.remove();
      listChanged(field.party);
    }

    const placer = window.sealhubPlacer.attach({
      root,
      pages,
      items: JSON.parse(fieldsData.textContent).map(asItem),
      zoomIn: document.getElementById("zoom-in"),
      zoomOut: document.getElementById("zoom-out"),
      zoomOutput: document.getElementById("zoom-level"),
      snapChoice: document.getElementById("snap-lines"),
      canPlace: () => Boolean(partyChoice && partyChoice.selectedOptions[0]),
      describe: (field) => `${field.label}. ${field.name} · ${kindName(field)} (${pageName(field.page)}): ${text.keys}`,
      onError: showError,
      async placeAt(page, x, y) {
        const option = partyChoice.selectedOptions[0];
        const created = await post(option.dataset.url, {page, x, y, centred: "true"});
        const field = {...created, label: option.dataset.order, name: option.dataset.name};
        listAdd(field);
        return asItem(field);
      },
      change: (field, rect) => post(field.update_url, rect),
      remove: (field) => remove(field),
    });
    // The side panel's remove buttons work without a reload too.
    document.querySelectorAll("form[data-field-remove]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const field = placer.items.get(form.dataset.fieldRemove);
        if (field) remove(field).catch((error) => showError(error.message));
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
