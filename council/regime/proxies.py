"""Proxies (pouvoirs, R13-R14)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ProxyRules:
    # R14: proxies.
    proxies_per_holder: int = 1
    proxy_max_consecutive_sittings: int = 3

    def holder_may_take(self, held: int) -> bool:
        """R14 / R13: a holder holds at most `proxies_per_holder` proxies per sitting."""
        return held < self.proxies_per_holder

    @staticmethod
    def proxy_in_use(*, holder_counted: bool, grantor_present: bool) -> bool:
        """R14: a proxy is used only while its holder is present (and counted) and its
        grantor is not."""
        return holder_counted and not grantor_present

    def proxy_run_allowed(self, consecutive: int, *, illness: bool) -> bool:
        """R14: at most `proxy_max_consecutive_sittings` consecutive sittings on proxy,
        except for a duly established illness."""
        return illness or consecutive <= self.proxy_max_consecutive_sittings
