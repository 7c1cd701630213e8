/* The public page: the sitting as anyone may see it, the vote's count and result. */
import { on, onState, renderSitting, renderVoteBox, rerender, resultNodes, start, state } from "./core.js";

onState((s) => {
  renderSitting(s);
  renderVoteBox(s, (vote) => (vote.state === "closed" ? resultNodes(vote) : []));
});
on("voting.ballot_cast", (msg) => {
  const s = state();
  if (!s || !s.vote || s.vote.id !== msg.data.vote) return;
  s.vote.cast = msg.data.cast;
  rerender();
});
start();
