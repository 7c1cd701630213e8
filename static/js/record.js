// The public page becomes the sitting's record at the close (templates/sessions/_record.html):
// when the live page's state badge turns "closed", the page's own URL is fetched again and
// its record put in place; the stylesheet then hides what only a live sitting shows (the
// player, "Live", the item under discussion, the vote in progress). While the replay is
// being prepared, the record is fetched again now and then (backing off, with jitter: a
// crowd of viewers does not come back at once) until its link is there.
(function () {
  "use strict";
  const current = () => document.getElementById("sitting-record");
  if (!current()) return;
  const badge = document.getElementById("live-state");
  let waits = 0;
  let fetching = false;

  async function refresh() {
    if (fetching) return;
    fetching = true;
    try {
      const response = await fetch(location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("sitting-record");
      if (fresh) current().replaceWith(document.importNode(fresh, true));
    } catch (_e) {
      // offline for a moment: the next round tries again
    } finally {
      fetching = false;
      later();
    }
  }

  function later() {
    const record = current();
    const closedHere = badge && badge.classList.contains("state-closed");
    const pending = record.dataset.state === "closed" ? record.dataset.replay === "pending" : closedHere;
    if (!pending) return;
    waits += 1;
    const delay = Math.min(30, 3 * 1.5 ** waits) * (0.75 + Math.random() / 2);
    setTimeout(refresh, delay * 1000);
  }

  function closing() {
    if (current().dataset.state !== "closed" && badge.classList.contains("state-closed")) refresh();
  }
  if (badge) new MutationObserver(closing).observe(badge, { attributes: true, attributeFilter: ["class"] });
  if (current().dataset.state === "closed") later();
})();
