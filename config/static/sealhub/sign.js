// The sign-link page: follow the signing job, then reload to show the result (a 404 means
// the envelope ended meanwhile; the reloaded page says so).
(() => {
  const box = document.getElementById("job-status");
  const url = box && box.dataset.jobUrl;
  if (!url) return;
  const poll = () => {
    fetch(url, {credentials: "same-origin"}).then((r) => (r.status === 404 ? {status: "done"} : r.json())).then((job) => {
      if (job.status === "done") { window.location.reload(); return; }
      if (job.status === "failed" || job.status === "expired") { box.textContent = job.error; box.classList.add("error"); return; }
      setTimeout(poll, 1000);
    }).catch(() => setTimeout(poll, 2000));
  };
  poll();
})();
