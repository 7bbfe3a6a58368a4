// The handwriting pad on the sign-link page. Pointer events serve touch, pen and mouse
// alike; strokes have one width (pressure is ignored) and are kept as point lists so the
// last one can be undone. On submit the drawing goes to the server as a transparent PNG in
// a hidden field. Typing the name stays available (keyboard users, no script).
(() => {
  const form = document.getElementById("sign-form");
  const canvas = document.getElementById("signature-canvas");
  if (!form || !canvas) return;
  const pad = document.getElementById("signature-pad");
  const typed = document.getElementById("signature-typed");
  const typedInput = document.getElementById("typed_name");
  const drawMode = document.getElementById("mode-draw");
  const typeMode = document.getElementById("mode-type");
  const hidden = document.getElementById("signature-png");
  const error = document.getElementById("signature-error");
  const context = canvas.getContext("2d");
  const strokes = [];
  let current = null;

  document.querySelectorAll("[data-needs-script]").forEach((element) => { element.hidden = false; });

  const redraw = () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.lineWidth = 4;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#0d2973";
    for (const stroke of strokes) {
      context.beginPath();
      context.moveTo(stroke[0].x, stroke[0].y);
      if (stroke.length === 1) context.lineTo(stroke[0].x + 0.1, stroke[0].y + 0.1);
      for (const point of stroke.slice(1)) context.lineTo(point.x, point.y);
      context.stroke();
    }
  };

  const pointAt = (event) => {
    const box = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * canvas.width,
      y: ((event.clientY - box.top) / box.height) * canvas.height,
    };
  };

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [pointAt(event)];
    strokes.push(current);
    error.hidden = true;
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    event.preventDefault();
    current.push(pointAt(event));
    redraw();
  });
  const end = () => { current = null; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  document.getElementById("signature-undo").addEventListener("click", () => { strokes.pop(); redraw(); });
  document.getElementById("signature-clear").addEventListener("click", () => { strokes.length = 0; redraw(); });

  const showMode = () => {
    const drawing = drawMode.checked;
    pad.hidden = !drawing;
    typed.hidden = drawing;
    typedInput.required = !drawing;
    error.hidden = true;
  };
  drawMode.addEventListener("change", showMode);
  typeMode.addEventListener("change", showMode);
  drawMode.checked = true;
  showMode();

  form.addEventListener("submit", (event) => {
    if (!drawMode.checked) { hidden.value = ""; return; }
    if (!strokes.length) {
      event.preventDefault();
      error.hidden = false;
      pad.scrollIntoView({block: "center"});
      return;
    }
    hidden.value = canvas.toDataURL("image/png");
  });
})();
