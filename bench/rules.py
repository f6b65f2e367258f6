"""Cross-sell rules benchmark (issue 12): our product-pair rules beside mlxtend's fpgrowth + association_rules.

Both sides find every rule A -> B between two products whose baskets together reach MIN_SUPPORT, with
its support, confidence and lift, from the same synthetic basket lines: 2,000,000 baskets, about
10,000,000 lines (1,000,000 with ``--quick``), 300 products (accessories, service packages, insurance,
finance) of Zipf-like popularity, duplicates within baskets, lines in no order, and four planted pairs
("extended warranty" -> "maintenance package" and the like) that the most correlated pairs must show.

- Guanxi: `guanxi.analytics.rules.pair_rules` on the two arrays of lines.
- mlxtend, as a fair user would run it: the lines made into a sparse one-hot DataFrame (scipy, then
  pandas' sparse frame, which fpgrowth reads as such), `fpgrowth(max_len=2)`, then
  `association_rules(metric="confidence", min_threshold=0)`. The table also gives fpgrowth and
  association_rules alone, without the one-hot step, and the ratio against that.

Each timed run is a fresh process that loads the lines from a file first (untimed), so every run
starts alike and its peak memory is its own: the peak resident memory above what the process held
with the lines loaded (the kernel's high-water mark, reset before the run). Times are CPU seconds of
that process (both sides use one core; the machine may be shared), wall clock in brackets; medians
of the runs, ours and mlxtend's taken in turn. The load average is printed at the top.

Run: ``python bench/rules.py`` (needs ``pip install mlxtend``; about 5 minutes, mlxtend's peak under
1 GB) or ``--quick`` (200,000 baskets, 1,000,000 lines; about 1 minute). `rules_table(quick)` prints the
table for bench/analytics.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from guanxi.analytics.rules import most_correlated_pairs, next_best_offer, pair_rules

MIN_SUPPORT = 0.001  # a pair must be in 1 basket of 1,000: 2,000 baskets of the full run
PRODUCTS = 300
CATEGORIES = (("accessory", 150), ("service package", 60), ("insurance", 40), ("finance", 50))
NAMED = {  # the first products of each category, the planted ones among them
    "accessory": ("tow bar", "bike carrier", "winter tyres"),
    "service package": ("extended warranty", "maintenance package", "tyre storage"),
    "insurance": ("GAP insurance",),
    "finance": ("car loan",),
}
# (antecedent, consequent, share of the antecedent's baskets that also get the consequent)
PLANTED = (
    ("extended warranty", "maintenance package", 0.6),
    ("tow bar", "bike carrier", 0.5),
    ("car loan", "GAP insurance", 0.5),
    ("winter tyres", "tyre storage", 0.45),
)
GOAL_SPEED_UP = 20.0
ISSUE_PEER = "44.8 s and 3.2 GB"  # mlxtend on 10M lines, as the issue measured it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 baskets (1M lines) instead of 2,000,000")
    parser.add_argument("--worker", nargs=3, metavar=("SIDE", "LINES", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        side, lines, result = args.worker
        return run_worker(side, Path(lines), Path(result))
    print(f"# Cross-sell rules benchmark\n\n{machine()}")
    rules_table(args.quick)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    return f"Machine: {os.cpu_count()} cores, {memory:.0f} GiB, load average {load} (1, 5, 15 min)."


# ---------------------------------------------------------------- the table


def rules_table(quick: bool, *, runs: int | None = None, peer_runs: int | None = None) -> None:
    """Ours and mlxtend's pair rules on the same lines: time, peak memory, agreement, planted pairs."""
    baskets = 200_000 if quick else 2_000_000
    runs = runs or 5
    peer_runs = peer_runs or (5 if quick else 3)
    basket_ids, item_ids, names = draw_baskets(baskets)
    with tempfile.TemporaryDirectory(prefix="gx-bench-rules-") as folder:
        lines = Path(folder) / "lines.npz"
        np.savez(lines, basket_ids=basket_ids, item_ids=item_ids)
        ours_result, peer_result = Path(folder) / "ours.npz", Path(folder) / "mlxtend.npz"
        ours, peer = [], []
        for run in range(max(runs, peer_runs)):  # in turn, so that a busy spell of the machine hits both
            if run < runs:
                ours.append(_in_fresh_process("ours", lines, ours_result))
            if run < peer_runs:
                peer.append(_in_fresh_process("mlxtend", lines, peer_result))
        found = dict(np.load(ours_result))
        peer_found = dict(np.load(peer_result))
    ours, peer = _medians(ours), _medians(peer)
    agreement = compare(found, peer_found)

    print(
        f"\n## Cross-sell pair rules: {baskets:,} baskets, {len(basket_ids):,} lines, {PRODUCTS} products, "
        f"min_support {MIN_SUPPORT} (medians of {runs} runs of ours, {peer_runs} of mlxtend)\n"
    )
    print("| figure | Guanxi | mlxtend | mlxtend / Guanxi |")
    print("|---|---:|---:|---:|")
    print(f"| lines -> rules, CPU s [wall] | {_seconds(ours)} | {_seconds(peer)} | {peer['cpu'] / ours['cpu']:.1f}x |")
    print(f"| of which one-hot DataFrame | | {_seconds(peer, 'one_hot_')} | |")
    print(f"| of which fpgrowth | | {_seconds(peer, 'fpgrowth_')} | |")
    print(f"| of which association_rules | | {_seconds(peer, 'rules_')} | |")
    mined = peer["fpgrowth_cpu"] + peer["rules_cpu"]
    print(f"| fpgrowth + association_rules alone, CPU s | | {mined:.2f} | {mined / ours['cpu']:.1f}x |")
    print(
        f"| peak memory above the loaded lines, MB | {ours['peak'] / 1e6:,.0f} | {peer['peak'] / 1e6:,.0f} | "
        f"{peer['peak'] / ours['peak']:.1f}x |"
    )
    print(f"| rules found | {agreement['ours']:,} | {agreement['peer']:,} | |")
    speed_up = peer["cpu"] / ours["cpu"]
    print(
        f"\nSame pairs: {_yes(agreement['same_pairs'])}; largest difference in support "
        f"{agreement['support']:.1e}, confidence {agreement['confidence']:.1e}, lift {agreement['lift']:.1e}. "
        f"Goal >= {GOAL_SPEED_UP:.0f}x faster: {speed_up:.1f}x ({_ok(speed_up >= GOAL_SPEED_UP)}); "
        f"without mlxtend's one-hot step {mined / ours['cpu']:.1f}x. The issue measured mlxtend at {ISSUE_PEER} "
        "on 10M lines."
    )
    planted_table(basket_ids, item_ids, names, baskets, runs)


def planted_table(basket_ids: np.ndarray, item_ids: np.ndarray, names: list[str], baskets: int, runs: int) -> None:
    """The seeds' "most correlated products" must be the planted pairs; and next-best offers at scale."""
    found = pair_rules(basket_ids, item_ids, min_support=MIN_SUPPORT, item_names=names)
    strongest = most_correlated_pairs(found, top=len(PLANTED) + 1)
    print(
        f"\nMost correlated pairs (phi), each in its more confident direction; the first {len(PLANTED)} were planted:\n"
    )
    print("| antecedent -> consequent | baskets | confidence | lift | phi |")
    print("|---|---:|---:|---:|---:|")
    for i in range(len(strongest)):
        print(
            f"| {strongest.names([strongest.antecedent[i]])[0]} -> {strongest.names([strongest.consequent[i]])[0]} "
            f"| {strongest.count[i]:,} | {strongest.confidence[i]:.3f} | {strongest.lift[i]:.2f} "
            f"| {strongest.correlation[i]:.3f} |"
        )
    planted = {(names.index(a), names.index(c)) for a, c, _ in PLANTED}
    found_pairs = {
        (min(a, c), max(a, c))
        for a, c in zip(strongest.antecedent[: len(PLANTED)], strongest.consequent[: len(PLANTED)])
    }
    print(f"\nPlanted pairs on top: {_yes(found_pairs == {(min(a, c), max(a, c)) for a, c in planted})}.")

    customers = baskets // 2
    rng = np.random.default_rng(11)
    owners = np.repeat(np.arange(customers), rng.integers(1, 6, customers))
    owned = rng.choice(PRODUCTS, len(owners))
    seconds = []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        offers = next_best_offer(found, owners, owned, top=3)
        seconds.append((time.process_time() - cpu, time.perf_counter() - wall))
    cpu, wall = (statistics.median(column) for column in zip(*seconds))
    print(
        f"\nNext-best offers (top 3, by confidence) for {customers:,} customers owning 1-5 products each "
        f"({len(owners):,} lines, {len(found):,} rules): {cpu:.2f} CPU s [{wall:.2f}], {len(offers):,} offers "
        f"(median of {runs} runs; no peer offers this)."
    )


def compare(ours: dict, peer: dict) -> dict:
    """Same (antecedent, consequent) pairs, and the largest difference in each measure over them."""
    width = int(max(ours["antecedent"].max(initial=0), peer["antecedent"].max(initial=0))) + 1
    ours_keys, peer_keys = (side["antecedent"] * width + side["consequent"] for side in (ours, peer))
    ours_order, peer_order = np.argsort(ours_keys), np.argsort(peer_keys)
    same = len(ours_keys) == len(peer_keys) and np.array_equal(ours_keys[ours_order], peer_keys[peer_order])
    differences = {
        measure: float(np.abs(ours[measure][ours_order] - peer[measure][peer_order]).max(initial=0)) if same else np.nan
        for measure in ("support", "confidence", "lift")
    }
    return {"same_pairs": same, "ours": len(ours_keys), "peer": len(peer_keys), **differences}


# ---------------------------------------------------------------- the baskets


def draw_baskets(baskets: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Basket lines in no order: 1 + Poisson(3.95) draws per basket from a Zipf-like popularity (so
    some products come twice), then the planted consequents added to a share of their antecedents'
    baskets. The planted products have middling popularity (ranks 20-55 of 300), as a real
    catalogue's warranty and loan products do."""
    rng = np.random.default_rng(seed)
    names = [
        name
        for category, count in CATEGORIES
        for name in (*NAMED[category], *(f"{category} {n:03d}" for n in range(len(NAMED[category]) + 1, count + 1)))
    ]
    popularity = 1.0 / (rng.permutation(PRODUCTS) + 1.0) ** 1.1
    planted = [names.index(name) for a, c, _ in PLANTED for name in (a, c)]
    popularity[planted] = 1.0 / np.arange(20, 60, 5) ** 1.1
    sizes = rng.poisson(3.95, baskets) + 1
    basket_ids = np.repeat(np.arange(baskets), sizes)
    item_ids = rng.choice(PRODUCTS, len(basket_ids), p=popularity / popularity.sum())
    extra_baskets, extra_items = [], []
    for antecedent, consequent, share in PLANTED:
        holding = basket_ids[item_ids == names.index(antecedent)]
        chosen = holding[rng.random(len(holding)) < share]
        extra_baskets.append(chosen)
        extra_items.append(np.full(len(chosen), names.index(consequent)))
    basket_ids = np.concatenate([basket_ids, *extra_baskets])
    item_ids = np.concatenate([item_ids, *extra_items])
    order = rng.permutation(len(basket_ids))
    return basket_ids[order], item_ids[order].astype(np.int64), names


# ---------------------------------------------------------------- one run, in its own process


def _in_fresh_process(side: str, lines: Path, result: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", side, str(lines), str(result)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"the {side} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_worker(side: str, lines: Path, result: Path) -> None:
    """Load the lines, reset the memory high-water mark, run one side once, report as JSON."""
    if side == "mlxtend":  # its imports are not part of its run
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import mlxtend.frequent_patterns  # noqa: F401
            import pandas  # noqa: F401
            import scipy.sparse  # noqa: F401
    with np.load(lines) as stored:
        basket_ids, item_ids = stored["basket_ids"], stored["item_ids"]
    baseline = _memory("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again from here
    run = _run_ours if side == "ours" else _run_mlxtend
    cpu, wall = time.process_time(), time.perf_counter()
    found, parts = run(basket_ids, item_ids)
    figures = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, **parts}
    figures["peak"] = _memory("VmHWM") - baseline
    np.savez(result, **found)
    print(json.dumps(figures))


def _run_ours(basket_ids, item_ids):
    found = pair_rules(basket_ids, item_ids, min_support=MIN_SUPPORT)
    arrays = {name: getattr(found, name) for name in ("antecedent", "consequent", "support", "confidence", "lift")}
    return arrays, {}


def _run_mlxtend(basket_ids, item_ids):
    import pandas as pd
    import scipy.sparse
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    parts = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _clocked(parts, "one_hot"):
            # basket ids are 0..n-1 here, so they are the rows; a real peer would have to number them too
            matrix = scipy.sparse.csr_matrix(
                (np.ones(len(basket_ids), dtype=bool), (basket_ids, item_ids)),
                shape=(int(basket_ids.max()) + 1, PRODUCTS),
            )
            one_hot = pd.DataFrame.sparse.from_spmatrix(matrix)
        with _clocked(parts, "fpgrowth"):
            itemsets = fpgrowth(one_hot, min_support=MIN_SUPPORT, max_len=2)
        with _clocked(parts, "rules"):
            found = association_rules(itemsets, num_itemsets=len(one_hot), metric="confidence", min_threshold=0.0)
    arrays = {
        "antecedent": np.array([next(iter(items)) for items in found["antecedents"]], dtype=np.int64),
        "consequent": np.array([next(iter(items)) for items in found["consequents"]], dtype=np.int64),
        **{name: found[name].to_numpy(float) for name in ("support", "confidence", "lift")},
    }
    return arrays, parts


@contextmanager
def _clocked(parts: dict, step: str):
    """CPU and wall seconds of one step, stored as `{step}_cpu` and `{step}_wall`."""
    cpu, wall = time.process_time(), time.perf_counter()
    yield
    parts[f"{step}_cpu"], parts[f"{step}_wall"] = time.process_time() - cpu, time.perf_counter() - wall


def _memory(field: str) -> int:
    """Bytes of a Vm* line of /proc/self/status (VmRSS now, VmHWM the peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


# ---------------------------------------------------------------- printing


def _medians(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _seconds(figures: dict, prefix: str = "") -> str:
    return f"{figures[prefix + 'cpu']:.2f} [{figures[prefix + 'wall']:.2f}]"


def _yes(passed: bool) -> str:
    return "yes" if passed else "NO"


def _ok(passed: bool) -> str:
    return "met" if passed else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
