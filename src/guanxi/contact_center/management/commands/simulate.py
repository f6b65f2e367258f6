"""`guanxi simulate`: one seeded run of the contact-center simulator, printed as a table per tier
(and per interval when the load or the schedule changes between intervals)."""

import csv
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from guanxi.contact_center import planning

_OPTION = {"aht_seconds": "aht", "patience_seconds": "patience", "target_seconds": "target"}  # service -> option


def _numbers(option: str, text, kind=float):
    """One number (the same for every interval) or a comma-separated list, one per interval."""
    if isinstance(text, int | float):  # call_command(agents=14) passes the number itself
        return text
    try:
        parts = [kind(p) for p in str(text).replace("，", ",").split(",") if p.strip()]
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a number or a comma-separated list") from None
    if not parts:
        raise CommandError(f"{option}: give at least one number")
    return parts[0] if len(parts) == 1 else parts


def _arrivals(path: Path) -> list[dict]:
    """CSV rows `seconds,tier[,handle_seconds]` (a header row is allowed); the service checks the values."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"--arrivals: cannot read {path}: {exc}") from exc
    if rows and rows[0][0].strip().lower() == "seconds":
        rows = rows[1:]
    arrivals = []
    for line, row in enumerate(rows, start=1):
        try:
            arrival = {
                "seconds": float(row[0]),
                "tier": row[1].strip() if len(row) > 1 and row[1].strip() else "standard",
            }
            if len(row) > 2 and row[2].strip():
                arrival["handle_seconds"] = float(row[2])
        except ValueError:
            raise CommandError(
                f"--arrivals: row {line} of {path} is not seconds,tier[,handle_seconds]: {','.join(row)!r}"
            ) from None
        arrivals.append(arrival)
    if not arrivals:
        raise CommandError(f"--arrivals: {path} has no rows")
    return arrivals


def _percent(x):
    return "—" if x is None else f"{x:.3f}"


def _row(label: str, row: dict) -> str:
    asa = "—" if row["asa_seconds"] is None else f"{row['asa_seconds']:.1f}"
    return (
        f"{label:<10} {row['offered']:>8} {row['answered']:>9} {_percent(row['service_level']):>7} "
        f"{asa:>7} {_percent(row['abandonment']):>10}"
    )


class Command(BaseCommand):
    help = (
        "Simulate the contact center with the real routing engine and print service level (SL20), ASA, "
        "abandonment and occupancy per customer tier and overall."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--agents",
            default="14",
            help="agents on duty: one number, or a comma-separated schedule (one per interval; "
            "those going off duty finish the contact in hand)",
        )
        parser.add_argument(
            "--calls-per-interval",
            default="100",
            help="contacts per interval: one number, or a comma-separated list (one per interval)",
        )
        parser.add_argument(
            "--arrivals",
            type=Path,
            default=None,
            help="replay this CSV of contacts (seconds from the start,tier[,handle seconds]) "
            "instead of Poisson arrivals; --calls-per-interval, --hours and --vip-share "
            "are then not used",
        )
        parser.add_argument("--interval-minutes", type=float, default=30)
        parser.add_argument("--aht", type=float, default=180, help="mean handle time, seconds")
        parser.add_argument(
            "--patience",
            type=float,
            default=None,
            help="mean patience in seconds (callers hang up); default: nobody hangs up",
        )
        parser.add_argument("--vip-share", type=float, default=0.2)
        parser.add_argument(
            "--policy",
            type=Path,
            default=None,
            help="routing policy JSON file; default: the value policy (contact_center.policies)",
        )
        parser.add_argument("--hours", type=float, default=8, help="length of the run with a single volume")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--target", type=float, default=20, help="service-level target, seconds")

    def handle(self, *args, **options):
        policy = None
        if options["policy"] is not None:
            try:
                policy = json.loads(Path(options["policy"]).read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"--policy: cannot read {options['policy']}: {exc}") from exc
        agents = _numbers("--agents", options["agents"], int)
        volumes = _numbers("--calls-per-interval", options["calls_per_interval"])
        arrivals = None if options["arrivals"] is None else _arrivals(options["arrivals"])
        try:
            result = planning.run_simulation(
                agents=agents,
                calls_per_interval=volumes,
                arrivals=arrivals,
                interval_minutes=options["interval_minutes"],
                aht_seconds=options["aht"],
                patience_seconds=options["patience"],
                vip_share=options["vip_share"],
                policy=policy,
                hours=options["hours"],
                seed=options["seed"],
                target_seconds=options["target"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(
                    f"--{_OPTION.get(f, f).replace('_', '-')}: {' '.join(m)}" for f, m in exc.message_dict.items()
                )
            ) from exc
        target = f"{options['target']:g}"
        staff = f"{agents} agents" if isinstance(agents, int) else f"agents {','.join(map(str, agents))}"
        source = f", arrivals {options['arrivals']}" if arrivals else ""
        self.stdout.write(
            f"{staff}{source}, {result['intervals']} intervals of "
            f"{options['interval_minutes']:g} min, AHT {options['aht']:g} s, seed {options['seed']}, "
            f"policy {options['policy'] or 'value (default)'}"
        )
        columns = f"{'offered':>8} {'answered':>9} {'SL' + target:>7} {'ASA s':>7} {'abandoned':>10}"
        header = f"{'tier':<10} {columns}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for tier, row in result["tiers"].items():
            self.stdout.write(_row(tier, row))
        if arrivals or isinstance(agents, list) or isinstance(volumes, list):
            # by the interval contacts arrived in: where a thin schedule or a peak hurts
            self.stdout.write("")
            self.stdout.write(f"{'interval':<10} {'agents':>6} {columns}")
            for index, row in enumerate(result["by_interval"], start=1):
                self.stdout.write(_row(f"{index:<10} {row['agents']:>6}", row))
        overtime = f", overtime {result['overtime_seconds'] / 60:.1f} agent-min" if result["overtime_seconds"] else ""
        self.stdout.write(
            f"occupancy {result['occupancy']:.3f} of scheduled agent time{overtime}; "
            f"{result['decisions']} routing decisions in {result['seconds']:.2f} s"
        )
