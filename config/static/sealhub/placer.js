// One placement component for seals (document page) and envelope fields (envelope draft):
// click to place, drag, resize by any corner, arrow keys (1 mm, Shift: 5 mm), optional
// snapping to text lines, pointer events (mouse, pen, touch), zoom. No page reload: the page
// passes callbacks that save through JSON and answer the saved rectangle.
//
// Geometry mirrors documents/pdf/geometry.py. A rectangle is kept in PDF user space and
// drawn in fractions of the shown page (cropped, turned by /Rotate), positioned inside a
// `.page-sheet` that has exactly the page's proportions and holds nothing but the page
// image, so a percentage of the sheet is the same percentage of the page at any zoom.
(function () {
  const POINTS_PER_MM = 72 / 25.4;
  const MOVE_THRESHOLD_PX = 3;
  const SNAP_PX = 8;
  const MIN_MM = 8;  // the server refuses seals under 20 pt (≈7 mm)
  const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2];

  function viewToUser(box, u, v) {
    const w = box.right - box.left, h = box.top - box.bottom;
    switch (((box.rotation || 0) % 360 + 360) % 360) {
      case 90: return [box.left + v * w, box.bottom + u * h];
      case 180: return [box.right - u * w, box.bottom + v * h];
      case 270: return [box.right - v * w, box.top - u * h];
      default: return [box.left + u * w, box.top - v * h];
    }
  }
  function userToView(box, x, y) {
    const w = box.right - box.left, h = box.top - box.bottom;
    switch (((box.rotation || 0) % 360 + 360) % 360) {
      case 90: return [(y - box.bottom) / h, (x - box.left) / w];
      case 180: return [(box.right - x) / w, (y - box.bottom) / h];
      case 270: return [(box.top - y) / h, (box.right - x) / w];
      default: return [(x - box.left) / w, (box.top - y) / h];
    }
  }
  function viewRectToUser(box, r) {
    const a = viewToUser(box, r.left, r.top), b = viewToUser(box, r.left + r.width, r.top + r.height);
    return {x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]), width: Math.abs(b[0] - a[0]), height: Math.abs(b[1] - a[1])};
  }
  function userRectToView(box, r) {
    const a = userToView(box, r.x, r.y), b = userToView(box, r.x + r.width, r.y + r.height);
    return {left: Math.min(a[0], b[0]), top: Math.min(a[1], b[1]), width: Math.abs(b[0] - a[0]), height: Math.abs(b[1] - a[1])};
  }
  // The shown page in millimetres (turned, /UserUnit applied).
  function viewSizeMm(box) {
    const unit = box.user_unit || 1;
    const w = (box.right - box.left) * unit / POINTS_PER_MM, h = (box.top - box.bottom) * unit / POINTS_PER_MM;
    return ((box.rotation || 0) % 180 === 90) ? [h, w] : [w, h];
  }
  const clamp = (value, low, high) => Math.min(Math.max(value, low), Math.max(low, high));

  // options: root (element holding figure.page[data-page]), pages (boxes by page index),
  // items [{id, page, x, y, width, height, label, image, keepAspect, editable}],
  // placeAt(page, x, y) -> Promise<item> (a click: the server centres and sizes it),
  // change(item, {x, y, width, height}) -> Promise<item>, remove(item) -> Promise,
  // canPlace() -> bool, describe(item) -> accessible name, onError(message),
  // snapChoice (a checkbox: snap to the text lines root[data-lines-url] lists), zoomIn,
  // zoomOut, zoomOutput (buttons and the <output> showing the zoom).
  function attach(options) {
    const root = options.root;
    const pages = options.pages;
    const items = new Map();
    const sheets = new Map();
    let zoom = 1;

    root.querySelectorAll("figure.page").forEach((figure) => {
      const page = Number(figure.dataset.page);
      const box = pages[page];
      const sheet = figure.querySelector(".page-sheet");
      if (!box || !sheet) return;
      const [w, h] = viewSizeMm(box);
      sheet.style.aspectRatio = `${w} / ${h}`;
      sheets.set(page, sheet);
      sheet.addEventListener("click", (event) => {
        if (event.target.closest(".placed") || !options.placeAt) return;
        const rect = sheet.getBoundingClientRect();
        placeAtView(page, (event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height);
      });
      const image = sheet.querySelector("img");
      if (image) {
        image.addEventListener("keydown", (event) => {
          if (event.key !== "Enter" && event.key !== " ") return;
          event.preventDefault();
          placeAtView(page, 0.75, 0.8);  // keyboard: the lower right, where seals usually go
        });
      }
    });

    async function placeAtView(page, u, v) {
      if (options.canPlace && !options.canPlace()) return;
      const [x, y] = viewToUser(pages[page], u, v);
      try {
        const item = await options.placeAt(page, x, y);
        if (item) { add(item); focus(item.id); }
      } catch (error) { report(error); }
    }
    function report(error) {
      if (options.onError) options.onError(error.message || String(error));
    }

    function add(item) {
      items.set(String(item.id), item);
      draw(item);
    }
    function draw(item) {
      const sheet = sheets.get(item.page);
      if (!sheet) return;
      let mark = sheet.querySelector(`.placed[data-id="${CSS.escape(String(item.id))}"]`);
      if (!mark) {
        mark = document.createElement("div");
        mark.className = "placed" + (item.className ? ` ${item.className}` : "");
        mark.dataset.id = item.id;
        if (item.editable !== false) {
          mark.tabIndex = 0;
          mark.setAttribute("role", "button");
          ["nw", "ne", "sw", "se"].forEach((corner) => {
            const handle = document.createElement("span");
            handle.className = "resize-handle";
            handle.dataset.corner = corner;
            handle.setAttribute("aria-hidden", "true");
            mark.appendChild(handle);
          });
          mark.addEventListener("pointerdown", (event) => grab(event, item, mark));
          mark.addEventListener("keydown", (event) => keyboard(event, item, mark));
        } else {
          mark.classList.add("static");
        }
        if (item.label) {
          const label = document.createElement("span");
          label.className = "placed-label";
          label.textContent = item.label;
          mark.appendChild(label);
        }
        if (item.image) mark.style.backgroundImage = `url("${item.image}")`;
        sheet.appendChild(mark);
      }
      if (options.describe) mark.setAttribute("aria-label", options.describe(item));
      setView(mark, userRectToView(pages[item.page], item));
    }
    function setView(mark, view) {
      mark.style.left = `${view.left * 100}%`;
      mark.style.top = `${view.top * 100}%`;
      mark.style.width = `${view.width * 100}%`;
      mark.style.height = `${view.height * 100}%`;
      mark.view = view;
    }
    function focus(id) {
      const mark = root.querySelector(`.placed[data-id="${CSS.escape(String(id))}"]`);
      if (mark && mark.tabIndex >= 0) mark.focus({preventScroll: true});
    }
    function forget(id) {
      items.delete(String(id));
      const mark = root.querySelector(`.placed[data-id="${CSS.escape(String(id))}"]`);
      if (mark) mark.remove();
    }

    // Text lines of a page (baselines in user space), fetched once when a box on it is first
    // grabbed: root[data-lines-url] names page 0's, as /pages/0/lines.json.
    const lines = {};
    function loadLines(page) {
      const url = root.dataset.linesUrl;
      if (!url || page in lines) return;
      lines[page] = [];
      fetch(url.replace(/\/pages\/0\/lines\.json$/, `/pages/${page}/lines.json`), {headers: {Accept: "application/json"}})
        .then((response) => (response.ok ? response.json() : {lines: []}))
        .then((data) => { lines[page] = data.lines || []; })
        .catch(() => {});
    }
    const snapChoice = options.snapChoice;
    // Snap the box's bottom edge to a text line close to it (the line it is signed on).
    // Only pages shown unturned have horizontal lines.
    function snap(item, view, sheetRect) {
      if (snapChoice && !snapChoice.checked) return view;
      const pageLines = lines[item.page];
      const box = pages[item.page];
      if (!pageLines || !pageLines.length || (box.rotation || 0) % 180 !== 0) return view;
      let best = null;
      pageLines.forEach((y) => {
        const v = userToView(box, box.left, y)[1];
        const distance = Math.abs((view.top + view.height - v) * sheetRect.height);
        if (distance <= SNAP_PX && (!best || distance < best.distance)) best = {distance, v};
      });
      return best ? {...view, top: clamp(best.v - view.height, 0, 1 - view.height)} : view;
    }

    function grab(event, item, mark) {
      if (event.button !== undefined && event.button !== 0) return;
      event.preventDefault();
      event.stopPropagation();
      mark.focus({preventScroll: true});
      const sheet = sheets.get(item.page);
      const sheetRect = sheet.getBoundingClientRect();
      loadLines(item.page);
      const corner = event.target.dataset && event.target.dataset.corner;
      const start = {x: event.clientX, y: event.clientY, view: {...mark.view}};
      // Proportions in screen pixels (what the person sees); the seal keeps them.
      const ratio = (start.view.width * sheetRect.width) / (start.view.height * sheetRect.height);
      const [pageWidthMm, pageHeightMm] = viewSizeMm(pages[item.page]);
      const minimum = {width: MIN_MM / pageWidthMm, height: MIN_MM / pageHeightMm};
      let moved = false;
      mark.setPointerCapture(event.pointerId);
      mark.classList.add("dragging");
      const move = (moveEvent) => {
        const dxPx = moveEvent.clientX - start.x, dyPx = moveEvent.clientY - start.y;
        if (!moved && Math.hypot(dxPx, dyPx) < MOVE_THRESHOLD_PX) return;
        moved = true;
        const du = dxPx / sheetRect.width, dv = dyPx / sheetRect.height;
        const v0 = start.view;
        let view;
        if (!corner) {
          view = {...v0, left: clamp(v0.left + du, 0, 1 - v0.width), top: clamp(v0.top + dv, 0, 1 - v0.height)};
          view = snap(item, view, sheetRect);
        } else {
          // The opposite corner stays where it is.
          const east = corner.includes("e"), south = corner.includes("s");
          const anchorU = east ? v0.left : v0.left + v0.width, anchorV = south ? v0.top : v0.top + v0.height;
          let width = Math.max(minimum.width, v0.width + (east ? du : -du));
          let height = Math.max(minimum.height, v0.height + (south ? dv : -dv));
          width = Math.min(width, east ? 1 - anchorU : anchorU);
          height = Math.min(height, south ? 1 - anchorV : anchorV);
          if (item.keepAspect) {
            // Follow the larger pull, then shrink both to stay on the page.
            const byWidth = (width * sheetRect.width) / ratio / sheetRect.height;
            const byHeight = (height * sheetRect.height) * ratio / sheetRect.width;
            if (byWidth >= height) height = byWidth; else width = byHeight;
            const room = Math.min((east ? 1 - anchorU : anchorU) / width, (south ? 1 - anchorV : anchorV) / height, 1);
            width *= room; height *= room;
          }
          view = {width, height, left: east ? anchorU : anchorU - width, top: south ? anchorV : anchorV - height};
        }
        setView(mark, view);
      };
      const up = async () => {
        mark.removeEventListener("pointermove", move);
        mark.removeEventListener("pointerup", up);
        mark.removeEventListener("pointercancel", up);
        mark.classList.remove("dragging");
        if (!moved) return;
        await save(item, mark);
      };
      mark.addEventListener("pointermove", move);
      mark.addEventListener("pointerup", up);
      mark.addEventListener("pointercancel", up);
    }

    async function save(item, mark) {
      const rect = viewRectToUser(pages[item.page], mark.view);
      mark.setAttribute("aria-busy", "true");
      try {
        const saved = await options.change(item, rect);
        Object.assign(item, saved);
      } catch (error) {
        report(error);
      } finally {
        mark.removeAttribute("aria-busy");
      }
      draw(item);  // where the server keeps it (the same place, unless it refused)
    }

    function keyboard(event, item, mark) {
      if ((event.key === "Delete" || event.key === "Backspace") && options.remove) {
        event.preventDefault();
        Promise.resolve(options.remove(item)).then(() => forget(item.id)).catch(report);
        return;
      }
      const [pageWidthMm, pageHeightMm] = viewSizeMm(pages[item.page]);
      const step = event.shiftKey ? 5 : 1;  // millimetres on the printed page
      const moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
      const view = {...mark.view};
      if (moves[event.key]) {
        view.left = clamp(view.left + moves[event.key][0] / pageWidthMm, 0, 1 - view.width);
        view.top = clamp(view.top + moves[event.key][1] / pageHeightMm, 0, 1 - view.height);
      } else if (event.key === "+" || event.key === "=" || event.key === "-") {
        const grow = event.key === "-" ? -step : step;  // the width by 1 mm (5 with Shift), centred
        const width = Math.max(MIN_MM / pageWidthMm, view.width + grow / pageWidthMm);
        const height = item.keepAspect ? view.height * width / view.width : view.height;
        if (width > 1 || height > 1) return;
        view.left = clamp(view.left - (width - view.width) / 2, 0, 1 - width);
        view.top = clamp(view.top - (height - view.height) / 2, 0, 1 - height);
        view.width = width; view.height = height;
      } else {
        return;
      }
      event.preventDefault();
      setView(mark, view);
      clearTimeout(mark.saveTimer);
      mark.saveTimer = setTimeout(() => save(item, mark).then(() => focus(item.id)), 350);
    }

    function setZoom(value) {
      zoom = value;
      root.style.setProperty("--page-zoom", String(zoom));
      if (options.zoomOutput) options.zoomOutput.textContent = `${Math.round(zoom * 100)}%`;
    }
    if (options.zoomIn) options.zoomIn.addEventListener("click", () => setZoom(ZOOMS[Math.min(ZOOMS.indexOf(zoom) + 1, ZOOMS.length - 1)]));
    if (options.zoomOut) options.zoomOut.addEventListener("click", () => setZoom(ZOOMS[Math.max(ZOOMS.indexOf(zoom) - 1, 0)]));
    setZoom(1);

    (options.items || []).forEach(add);
    return {add, forget, redraw: () => items.forEach(draw), items, setZoom};
  }

  window.sealhubPlacer = {attach, viewToUser, userToView, viewRectToUser, userRectToView, viewSizeMm};
})();
