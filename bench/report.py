"""bench/results/latest.md from the run's JSON: machine, versions, each figure's median and
spread (min–max across rounds), ratios against the peer, the issue 8 targets, and the
issue 18 targets beside the previous run's figures (previous.json)."""

from __future__ import annotations

import pathlib
import statistics
from typing import Any

TITLES = {"cc": "1. client_credentials (/token)", "introspect": "2. introspection",
          "code_flow": "3. code flow with a session (authorize + token)",
          "refresh": "4. refresh grant (rotation)", "validate": "5. ValidateToken over gRPC, 16 in flight",
          "ext_authz": "6. example API through Envoy: with ext_authz vs without",
          "floors": "floors: Envoy alone; the gRPC server alone",
          "login": "7. password login (bcrypt 12)",
          "revocation": "8. revocation propagation (100×)"}
# The peer reached through authgate's Envoy (bench/stacks.py PEER_VIA_ENVOY_PREFIX).
PEER_VIA_ENVOY = "oidc-provider via Envoy"
# The durable peer: oidc-provider with its Redis adapter (bench/oidc_provider.py PEER_REDIS).
PEER_REDIS = "oidc-provider (Redis)"
FIELDS = [("rps", "req/s", 0), ("p50_ms", "p50 ms", 2), ("p99_ms", "p99 ms", 2),
          ("cpu_ms_per_req", "CPU ms/req", 2)]


def med(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def cell(runs: list[dict[str, Any]], key: str, digits: int) -> str:
    vals = [r[key] for r in runs]
    return f"{statistics.median(vals):.{digits}f} ({min(vals):.{digits}f}–{max(vals):.{digits}f})"


def targets(res: dict[str, Any], bounds: dict[str, float], nproc: int) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows for the figures this run has."""
    rows = []
    s = res.get("scenarios", {})

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    floors = s.get("floors", {})
    envoy_ms = med(floors["envoy alone (direct response)"], "cpu_ms_per_req") if floors else None
    sign_ms = 1000 / bounds["rs256_signs_per_core_s"]

    def ceiling(ms: float, peer: float, what: str) -> str:
        """What `nproc` cores allow when each request costs at least `ms` of CPU."""
        most = nproc * 1000 / ms
        return f"; floor ({what}) {ms:.2f} CPU ms/req allows at most {most:.0f}/s = {most / peer:.2f}× peer"

    def gateway(key: str) -> tuple[float, str] | None:
        """Envoy's CPU per request of this scenario: proxying, when the peer also ran behind it
        (its CPU there minus its CPU alone), else answering by itself."""
        via, alone = s[key].get(PEER_VIA_ENVOY), s[key].get("oidc-provider")
        if via and alone:
            return med(via, "cpu_ms_per_req") - med(alone, "cpu_ms_per_req"), "Envoy proxying"
        return (envoy_ms, "Envoy alone") if envoy_ms else None

    def via_envoy(key: str, a: float) -> str:
        """authgate against the peer behind the same gateway (a reference, not the target)."""
        runs = s[key].get(PEER_VIA_ENVOY)
        if not runs:
            return ""
        c = med(runs, "rps")
        return f"; the peer behind the same Envoy: {c:.0f}/s, authgate {a / c:.2f}× that"

    if "cc" in s:
        a, b = med(s["cc"]["authgate"], "rps"), med(s["cc"]["oidc-provider"], "rps")
        # Envoy's CPU per request plus one RS256 signature: no Python code counted.
        g = gateway("cc")
        bound = ceiling(g[0] + sign_ms, b, g[1] + " + one RS256 signature") if g else ""
        rows.append(("client_credentials ≥ 1.2× peer req/s",
                     f"{a / b:.2f}× ({a:.0f} vs {b:.0f}){via_envoy('cc', a)}{bound}",
                     verdict(a / b >= 1.2)))
        bound = bounds["rs256_signs_per_core_s"] * nproc
        rows.append(("client_credentials ≥ 60% of RS256 bound", f"{100 * a / bound:.0f}% of "
                     f"{bound:.0f}/s ({nproc} cores)", verdict(a >= 0.6 * bound)))
    if "introspect" in s:
        a, b = med(s["introspect"]["authgate"], "rps"), med(s["introspect"]["oidc-provider"], "rps")
        g = gateway("introspect")
        bound = ceiling(g[0], b, g[1]) if g else ""
        rows.append(("introspection ≥ 1.0× peer",
                     f"{a / b:.2f}× ({a:.0f} vs {b:.0f}){via_envoy('introspect', a)}{bound}",
                     verdict(a >= b)))
    if "code_flow" in s:
        a, b = med(s["code_flow"]["authgate"], "p50_ms"), med(s["code_flow"]["oidc-provider"], "p50_ms")
        durable = s["code_flow"].get(PEER_REDIS)
        with_redis = f"; the Redis peer {med(durable, 'p50_ms'):.1f} ms" if durable else ""
        rows.append(("code flow p50 ≤ peer", f"{a:.1f} ms vs {b:.1f} ms{with_redis}", verdict(a <= b)))
    if "validate" in s:
        runs = s["validate"]["authgate"]
        rps, p99, cpu = med(runs, "rps"), med(runs, "p99_ms"), med(runs, "cpu_ms_per_req")
        floor = ""
        if floors:
            health = 1000 / med(floors["gRPC health check (token process)"], "cpu_ms_per_req")
            floor = f"; the same server answering health checks: {health:.0f}/s per core-second"
        rows.append(("ValidateToken ≥ 5,000/s on one core", f"{rps:.0f}/s measured; "
                     f"{1000 / cpu:.0f}/s per core-second of the token process{floor}",
                     verdict(1000 / cpu >= 5000)))
        rows.append(("ValidateToken p99 < 5 ms", f"{p99:.2f} ms", verdict(p99 < 5)))
    if "ext_authz" in s:
        e = s["ext_authz"]
        for label in sorted({k.rsplit(", ", 1)[1] for k in e}, key=lambda c: int(c.split()[0])):
            # The gateway's mode ("envoy+ext_authz http"; older runs: "envoy+ext_authz").
            chosen = next(k for k in e if k.startswith("envoy+ext_authz") and k.endswith(label)
                          and "grpc" not in k)
            a = med(e[chosen], "p50_ms")
            b = med(e[f"envoy, no ext_authz, {label}"], "p50_ms")
            before = e.get(f"envoy+ext_authz grpc (before), {label}")
            was = f"; gRPC Check +{med(before, 'p50_ms') - b:.2f} ms" if before else ""
            unloaded = label == "1 conn"
            rows.append((f"ext_authz adds < 1 ms at p50 ({label}{'' if unloaded else ', CPU-bound'})",
                         f"+{a - b:.2f} ms ({a:.2f} vs {b:.2f}{was})",
                         verdict(a - b < 1) if unloaded else "(queueing; see note)"))
    if "login" in s:
        a, bound = med(s["login"]["authgate"], "rps"), bounds["login_bound_per_s"]
        rows.append(("login ≥ 90% of the hash bound", f"{a:.1f}/s = {100 * a / bound:.0f}% of {bound:.1f}/s",
                     verdict(a >= 0.9 * bound)))
    if "revocation" in s:
        r = s["revocation"]["authgate"][0]
        rows.append(("revocation p99 < 100 ms (aim < 10 ms)",
                     f"median {r['median_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                     f"worst {r['worst_ms']:.1f} ms",
                     verdict(r["p99_ms"] < 100)))
    if "growth" in s:
        g = s["growth"]
        for name, what in (("validate", "ValidateToken"), ("cc", "/token client_credentials"),
                           ("refresh", "/token refresh")):
            small, large = growth_cost(g["small"], name), growth_cost(g["large"], name)
            rows.append((f"growth: {what} cost at 1,000,000 sessions within 10% of 1,000",
                         f"{large:.3f} vs {small:.3f} CPU ms/req ({100 * (large / small - 1):+.0f}%)",
                         verdict(large <= 1.1 * small)))
    return rows


Row = tuple[str, str | None, bool | None]  # (target, this run's figure or None, met)


def targets_18(res: dict[str, Any]) -> list[Row]:
    """The issue 18 table: each target with this run's figure (None: not measured)."""
    s = res.get("scenarios", {})
    rows: list[Row] = []
    v = s.get("verifier")
    speed = v["throughput"] if v else None
    for kind, what, goal in (("repeated", "one token repeated", 20_000),
                             ("distinct", "distinct tokens", 8_000)):
        n = speed[kind]["per_core_per_s"] if speed else None
        rows.append((f"verifier, {what}: ≥ {goal:,} validations/s per core",
                     f"{n:,}/s ({speed[kind]['us_each']} µs each)" if speed else None,
                     None if n is None else n >= goal))
    lat = v["latency"] if v else None
    if lat:
        worst = max(lat[k]["from_call_start_ms"]["p99"] for k in ("jti", "session") if lat.get(k))
        figure = "; ".join(f"{k} p99 {lat[k]['from_call_start_ms']['p99']:.0f} ms (n={lat[k]['n']})"
                           for k in ("jti", "session") if lat.get(k))
        rows.append(("revocation → refused by a verifier in another process, p99 < 100 ms",
                     figure + " from the revoking call's start", worst < 100))
    else:
        rows.append(("revocation → refused by a verifier in another process, p99 < 100 ms", None, None))
    e = s.get("ext_authz", {})
    chosen = e.get("envoy+ext_authz http, 1 conn") or e.get("envoy+ext_authz, 1 conn")
    base = e.get("envoy, no ext_authz, 1 conn")
    if chosen and base:
        added = med(chosen, "p50_ms") - med(base, "p50_ms")
        rows.append(("ext_authz added latency, p50, 1 connection < 1 ms",
                     f"+{added:.2f} ms ({med(chosen, 'p50_ms'):.2f} vs {med(base, 'p50_ms'):.2f})",
                     added < 1))
    else:
        rows.append(("ext_authz added latency, p50, 1 connection < 1 ms", None, None))
    val = s.get("validate", {}).get("authgate")
    if val:
        per_core, p99 = 1000 / med(val, "cpu_ms_per_req"), med(val, "p99_ms")
        rows.append(("ValidateToken, mTLS on: ≥ 3,000/s per core, p99 < 10 ms",
                     f"{per_core:,.0f}/s per core-second of the token process, p99 {p99:.1f} ms "
                     f"({med(val, 'rps'):.0f}/s measured)", per_core >= 3000 and p99 < 10))
    else:
        rows.append(("ValidateToken, mTLS on: ≥ 3,000/s per core, p99 < 10 ms", None, None))
    for key, what in (("code_flow", "code flow"), ("refresh", "refresh")):
        sys_ = s.get(key, {})
        durable = sys_.get(PEER_REDIS)
        if sys_.get("authgate") and durable:
            ratio = med(sys_["authgate"], "rps") / med(durable, "rps")
            rows.append((f"{what} vs the durable peer (Redis): ≥ 0.7× flows/s",
                         f"{ratio:.2f}× ({med(sys_['authgate'], 'rps'):.0f} vs {med(durable, 'rps'):.0f})",
                         ratio >= 0.7))
        else:
            rows.append((f"{what} vs the durable peer (Redis): ≥ 0.7× flows/s", None, None))
    flow = s.get("code_flow", {}).get("authgate")
    rows.append(("CPU per code flow ≤ 6 ms (every authgate process)",
                 f"{med(flow, 'cpu_ms_per_req'):.2f} ms" if flow else None,
                 None if not flow else med(flow, "cpu_ms_per_req") <= 6))
    for key, what in (("cc", "client_credentials"), ("introspect", "introspection")):
        sys_ = s.get(key, {})
        via = sys_.get(PEER_VIA_ENVOY)
        if sys_.get("authgate") and via:
            ratio = med(sys_["authgate"], "rps") / med(via, "rps")
            rows.append((f"{what} vs the peer behind the same Envoy: ≥ 1.2×",
                         f"{ratio:.2f}× ({med(sys_['authgate'], 'rps'):.0f} vs {med(via, 'rps'):.0f})",
                         ratio >= 1.2))
        else:
            rows.append((f"{what} vs the peer behind the same Envoy: ≥ 1.2×", None, None))
    return rows


def targets_18_table(res: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    before = {t: fig for t, fig, _ in targets_18(previous)} if previous else {}
    when = previous.get("started", "?") if previous else ""
    lines = ["| target | this run | verdict | previous run" + (f" ({when})" if when else "") + " |",
             "|---|---|---|---|"]
    for target, figure, ok in targets_18(res):
        verdict = "—" if ok is None else ("met" if ok else "**missed**")
        lines.append(f"| {target} | {figure or 'not measured'} | {verdict} | "
                     f"{before.get(target) or 'not measured'} |")
    return lines


def growth_cost(runs: list[dict[str, Any]], name: str) -> float:
    return statistics.median(r[name]["cpu_ms_per_req"] for r in runs)


def growth_table(g: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = ["| measure | size | " + " | ".join(h for _, h, _ in FIELDS) + " | errors |",
             "|---|---|" + "---:|" * (len(FIELDS) + 1)]
    for name, what in (("validate", "ValidateToken"), ("cc", "client_credentials"), ("refresh", "refresh")):
        for size, runs in g.items():
            figures = [r[name] for r in runs]
            lines.append(f"| {what} | {size} ({runs[0]['sessions']:,} sessions) | "
                         + " | ".join(cell(figures, f, d) for f, _, d in FIELDS)
                         + f" | {sum(x.get('errors', 0) for x in figures)} |")
    return lines


def table(res: dict[str, Any]) -> list[str]:
    lines = ["| scenario | system | " + " | ".join(h for _, h, _ in FIELDS) + " | errors | vs peer |",
             "|---|---|" + "---:|" * (len(FIELDS) + 2)]
    for key, title in TITLES.items():
        systems = res["scenarios"].get(key)
        if not systems or key == "revocation":
            continue
        peer, durable = systems.get("oidc-provider"), systems.get(PEER_REDIS)
        for label, runs in systems.items():
            cells = [cell(runs, f, d) for f, _, d in FIELDS]
            ratio = ""
            if peer and label == "authgate":
                ratio = (f"{med(runs, 'rps') / med(peer, 'rps'):.2f}× req/s, "
                         f"{med(runs, 'p50_ms') / med(peer, 'p50_ms'):.2f}× p50")
                if durable:
                    ratio += (f"; vs Redis peer {med(runs, 'rps') / med(durable, 'rps'):.2f}× req/s, "
                              f"{med(runs, 'cpu_ms_per_req') / med(durable, 'cpu_ms_per_req'):.2f}× CPU")
            lines.append(f"| {title} | {label} | " + " | ".join(cells)
                         + f" | {sum(r.get('errors', 0) for r in runs)} | {ratio} |")
    return lines


def mtls_section(m: dict[str, dict[str, list[dict[str, Any]]]]) -> list[str]:
    """Scenario 10 (bench/mtls.py): each measure in both modes, then mTLS / plaintext."""
    lines = ["## Cost of the internal mTLS", "",
             "The same stack as shipped (mutual TLS and the per-method allow-list on every gRPC "
             "listener and channel) and restarted with GRPC_INSECURE_PLAINTEXT (plaintext, no caller "
             "check), alternated with a warm-up after each restart. ValidateToken: 16 in flight straight "
             "to one token replica, CPU of that process. Code flow: authorize + token with a session "
             "through Envoy; ext_authz: the example API through Envoy, one request at a time; both with "
             "the CPU of every authgate process.", "",
             "| measure | mode | " + " | ".join(h for _, h, _ in FIELDS) + " | errors |",
             "|---|---|" + "---:|" * (len(FIELDS) + 1)]
    for measure, modes in m.items():
        for mode, runs in modes.items():
            lines.append(f"| {measure} | {mode} | " + " | ".join(cell(runs, f, d) for f, _, d in FIELDS)
                         + f" | {sum(r.get('errors', 0) for r in runs)} |")
    lines += ["", "| measure | throughput, mTLS / plaintext | p50, mTLS / plaintext "
              "| CPU per request, mTLS / plaintext | CPU added per request |", "|---|---:|---:|---:|---:|"]
    for measure, modes in m.items():
        tls, plain = modes["mTLS"], modes["plaintext"]
        if not tls or not plain:
            continue
        cpu_tls, cpu_plain = med(tls, "cpu_ms_per_req"), med(plain, "cpu_ms_per_req")
        added = f"{cpu_tls - cpu_plain:+.3f} ms"
        spread = [[r["cpu_ms_per_req"] for r in runs] for runs in (tls, plain)]
        if max(min(v) for v in spread) <= min(max(v) for v in spread):
            added += " (within the rounds' spread)"
        calls = statistics.median(r.get("grpc_calls_per_req", 1) for r in tls)
        if calls > 1.05:  # more hops than the measured call itself
            added += f"; {calls:.1f} gRPC calls per request, {(cpu_tls - cpu_plain) / calls:+.3f} ms each"
        if "caller_cpu_ms_per_req" in tls[0]:  # the load generator is the hop's other side
            caller = med(tls, "caller_cpu_ms_per_req") - med(plain, "caller_cpu_ms_per_req")
            added += f"; the callers' CPU {caller:+.3f} ms"
        rps, p50 = (med(tls, k) / med(plain, k) for k in ("rps", "p50_ms"))
        lines.append(f"| {measure} | {rps:.2f}× | {p50:.2f}× | {cpu_tls / cpu_plain:.2f}× | {added} |")
    return lines


def write_markdown(res: dict[str, Any], path: pathlib.Path, previous: dict[str, Any] | None = None) -> None:
    m, v, c, bounds = res["machine"], res["versions"], res["config"], res["bounds"]
    out = [f"# authgate benchmark — {res['started']}", "",
           f"Machine: {m['nproc']} cores, {m['cpu_model']}, {m['memory_gib']} GiB. "
           f"Versions: Python {v['python']}, Envoy {v['envoy']}, Node {v['node']}, "
           f"oidc-provider {v['oidc-provider']}, {v['wrk']}, authgate {v['authgate_commit']}"
           f"{' (uncommitted changes)' if v['authgate_dirty'] == 'yes' else ''}.", "",
           f"Runs: {c['rounds']} rounds A B A B per scenario, {c['seconds_per_run']:.0f} s each; wrk "
           f"{c['wrk_connections']} connections / {c['wrk_threads']} threads; flows {c['flow_workers']} "
           f"Python threads; authgate token service ×{c['token_replicas']}, {c['authgate_storage']}; peer: "
           f"{c['peer_storage']}. Everything (load generator included) shares the same cores. "
           f"Load average (1/5/15 min) at start {' '.join(res.get('loadavg_start', []))}, at end "
           f"{' '.join(res.get('loadavg_end', []))}: other work on the machine competes for the "
           "cores, equally for A and B (alternated), and the `machine_cores_busy` of each run is in "
           "latest.json.", "",
           "Figures: median (min–max across rounds). CPU ms/req: user+system time of the measured "
           "system's processes (authgate: every service, Envoy and the example API; peer: its Node "
           "process) divided by requests. Stores are counted for neither side: not authgate's "
           "PostgreSQL and Redis, not the Redis peer's Redis server (the same one authgate uses).", "",
           *table(res), ""]
    if "revocation" in res["scenarios"]:
        r = res["scenarios"]["revocation"]["authgate"][0]
        out += [f"Revocation propagation ({r['samples']}×, DELETE /api/v1/sessions/{{sid}} through Envoy → "
                f"ValidateToken UNAUTHENTICATED on {c.get('revocation_poll_replica', 'token')}): median "
                f"{r['median_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, worst {r['worst_ms']:.1f} ms "
                f"(the DELETE itself answers in {r['delete_p50_ms']:.1f} ms at p50).", ""]
    if "growth" in res["scenarios"]:
        g = res["scenarios"]["growth"]
        large = g["large"][0]
        out += ["Growth (scenario 9): small = 1,000 sessions (100 revoked), 1,000 refresh-token rows; "
                f"large = {large['sessions']:,} sessions ({large['revoked']:,} revoked, all in every "
                f"validator's memory), {large['refresh_rows']:,} refresh-token rows. Sizes alternated, "
                "token replicas restarted after each switch (seeding took "
                f"{max(r['seed_seconds'] for r in g['large']):.0f} s, a restart with the large "
                f"revocation snapshot {max(r['restart_seconds'] for r in g['large']):.1f} s).", "",
                *growth_table(g), ""]
    out += [f"In-process bounds: one bcrypt verify at cost 12 = {bounds['bcrypt12_verify_ms']:.0f} ms → "
            f"{bounds['login_bound_per_s']:.1f} logins/s on {m['nproc']} cores; RS256 (RSA-2048) "
            f"{bounds['rs256_signs_per_core_s']:.0f} signatures/s per core"
            + (f"; ES256 (P-256) {bounds['es256_signs_per_core_s']:.0f}/s, not offered (bench/NOTES.md)"
               if "es256_signs_per_core_s" in bounds else "") + ".", "",
            "## Targets (issue 8)", "", "| target | measured | verdict |", "|---|---|---|"]
    out += [f"| {t} | {meas} | {ok} |" for t, meas, ok in targets(res, bounds, m["nproc"] or 1)]
    out += ["", "## Targets (issue 18), beside the previous run", "",
            *targets_18_table(res, previous)]
    for again in res.get("remeasured", []):
        out += ["", f"Measured again on {again['started']} (authgate "
                f"{again['versions']['authgate_commit']}, load average at start "
                f"{' '.join(again['loadavg_start'])}): {', '.join(again['scenarios'])}."]
    if "mtls" in res["scenarios"]:
        out += ["", *mtls_section(res["scenarios"]["mtls"])]
    notes = [
        "Scenario 2: oidc-provider refuses to introspect JWT access tokens (unsupported_token_type), "
        "so the peer introspects an opaque client_credentials token; authgate introspects a user's "
        "RS256 JWT (signature, deny-list and session checks).",
        "Scenario 6: the check is the gateway's mode (gateway.yaml ext_authz.mode: HTTP to the token "
        "service's ext_authz listener), beside the gRPC Check it replaced and Envoy's jwt_authn in "
        "front of the HTTP check, each on a bench-only route of the same Envoy. "
        "The baseline is a bench-only route to the same example API through the same "
        "Envoy and filters, without ext_authz (it sets the x-auth-* headers ext_authz would). At one "
        "connection nothing queues, so the difference is the latency the check adds to a request; "
        "at the fixed concurrency every process shares two CPU-bound cores and the difference is "
        "mostly queueing behind the check's CPU.",
        "Scenarios 1 and 2 also run the peer behind authgate's own Envoy (the token endpoint's "
        "route, filters and cluster settings, pointed at the peer; CPU counts the peer and Envoy): "
        "the spec puts Envoy in front of authgate, and the peer's own rows are measured without it.",
        f"{PEER_REDIS}: the same peer with a Redis adapter (bench/peer/redis_adapter.js, after "
        "oidc-provider's example adapter, ioredis): its grants, sessions, interactions, codes and "
        "tokens in Redis, as a deployment that survives a restart or runs more than one process "
        "keeps them; the in-memory adapter is oidc-provider's development default.",
        "Scenarios 5, 7, 8 have no peer equivalent (no gRPC, no password login, no session API in "
        "the configured peer); they are authgate only.",
    ]
    out += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    out += [f"- Skipped: {k} — {why}" for k, why in res.get("skipped", {}).items()]
    charts = ", ".join(f"latest-{k}.png" for k in res["scenarios"] if k in TITLES and k != "revocation")
    out += ["", f"Whole run: {res.get('wall_seconds', 0):.0f} s. Charts: latest.png (every scenario), "
            f"and one per scenario beside the previous run: {charts}."]
    path.write_text("\n".join(out) + "\n")
