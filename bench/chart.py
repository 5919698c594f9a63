"""latest.png from latest.json: req/s and p50 of each scenario, authgate beside the peer;
and one chart per scenario (latest-<scenario>.png) with each system's figures beside the
previous run's when previous.json is given. Runs in bench/.venv (matplotlib), apart from the
workspace venv.

    bench/.venv/bin/python bench/chart.py bench/results/latest.json bench/results/latest.png \
        [bench/results/previous.json]
"""

from __future__ import annotations

import json
import pathlib
import statistics
import sys
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend

LABELS = {"cc": "client_credentials", "introspect": "introspection", "code_flow": "code flow",
          "refresh": "refresh", "validate": "ValidateToken\n(gRPC)", "ext_authz": "example API",
          "login": "login"}
# Scenario 6's labels carry their connection count ("envoy+ext_authz, 1 conn"): by prefix.
COLORS = {"authgate": "#2b6cb0", "oidc-provider via Envoy": "#f6ad55", "oidc-provider (Redis)": "#9c4221",
          "oidc-provider": "#dd6b20",
          "envoy+ext_authz": "#2b6cb0",
          "envoy, no ext_authz": "#718096"}


def color(label: str) -> str:
    return next((c for prefix, c in COLORS.items() if label.startswith(prefix)), "#2b6cb0")


def scenario_chart(key: str, systems: dict[str, Any], before: dict[str, Any] | None, title: str,
                   dst: pathlib.Path) -> None:
    """One scenario: req/s and p50 per system, this run (solid) beside the previous (hatched)."""
    fig, axes = plt.subplots(1, 2, figsize=(max(7, 1.6 * len(systems) + 3), 4.2))
    for ax, field, what in ((axes[0], "rps", "req/s"), (axes[1], "p50_ms", "p50 ms")):
        names = list(systems)
        for i, label in enumerate(names):
            for j, (runs, hatch, alpha) in enumerate(((systems[label], None, 1.0),
                                                      ((before or {}).get(label), "//", 0.45))):
                if not runs:
                    continue
                vals = [r[field] for r in runs]
                m = statistics.median(vals)
                ax.bar(i + (j - 0.5) * 0.38, m, 0.36, color=color(label), alpha=alpha, hatch=hatch,
                       yerr=[[m - min(vals)], [max(vals) - m]], capsize=3)
                ax.annotate(f"{m:.0f}" if field == "rps" else f"{m:.2f}", (i + (j - 0.5) * 0.38, m),
                            ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(names)), [n.replace(", ", "\n") for n in names], fontsize=7)
        ax.set_title(f"{what} (solid: this run; hatched: previous)", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(dst, dpi=100)
    plt.close(fig)


def main(src: str, dst: str, previous: str | None = None) -> None:
    res = json.load(open(src))
    prev = json.load(open(previous))["scenarios"] if previous else {}
    out = pathlib.Path(dst)
    for key, systems in res["scenarios"].items():
        if key in LABELS and isinstance(systems, dict) and all(isinstance(v, list) for v in systems.values()):
            scenario_chart(key, systems, prev.get(key), f"{LABELS[key].replace(chr(10), ' ')} — "
                           f"{res['started']}" + (" vs previous run" if prev.get(key) else ""),
                           out.with_name(f"{out.stem}-{key}{out.suffix}"))
    scen = {k: v for k, v in res["scenarios"].items() if k in LABELS}
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, key, title in ((axes[0], "rps", "throughput, req/s (median; bars: min–max)"),
                           (axes[1], "p50_ms", "latency p50, ms (median; bars: min–max)")):
        x = 0.0
        ticks, names = [], []
        for name, systems in scen.items():
            width = 0.8 / len(systems)
            for i, (label, runs) in enumerate(systems.items()):
                vals = [r[key] for r in runs]
                m = statistics.median(vals)
                ax.bar(x + i * width, m, width, color=color(label),
                       yerr=[[m - min(vals)], [max(vals) - m]], capsize=3,
                       label=label if label not in ax.get_legend_handles_labels()[1] else None)
            ticks.append(x + 0.4 - width / 2)
            names.append(LABELS[name])
            x += 1.2
        ax.set_xticks(ticks, names, rotation=30, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    m = res["machine"]
    fig.suptitle(f"authgate vs node-oidc-provider {res['versions']['oidc-provider']} — "
                 f"{m['nproc']} cores, {m['cpu_model']} — {res['started']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
