"""`guanxi simulate`: one seeded run of the contact-center simulator, printed as a table per tier."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from guanxi.contact_center import services


_OPTION = {"aht_seconds": "aht", "patience_seconds": "patience", "target_seconds": "target"}  # service -> option


def _volumes(text: str):
    """One number (repeated over --hours) or a comma-separated list, one per interval."""
    try:
        parts = [float(p) for p in text.replace("，", ",").split(",") if p.strip()]
    except ValueError:
        raise CommandError(f"--calls-per-interval: {text!r} is not a number or a comma-separated list") from None
    if not parts:
        raise CommandError("--calls-per-interval: give at least one number")
    return parts[0] if len(parts) == 1 else parts


def _percent(x):
    return "—" if x is None else f"{x:.3f}"


class Command(BaseCommand):
    help = ("Simulate the contact center with the real routing engine and print service level (SL20), ASA, "
            "abandonment and occupancy per customer tier and overall.")

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=14)
        parser.add_argument("--calls-per-interval", default="100",
                            help="contacts per interval: one number, or a comma-separated list (one per interval)")
        parser.add_argument("--interval-minutes", type=float, default=30)
        parser.add_argument("--aht", type=float, default=180, help="mean handle time, seconds")
        parser.add_argument("--patience", type=float, default=None,
                            help="mean patience in seconds (callers hang up); default: nobody hangs up")
        parser.add_argument("--vip-share", type=float, default=0.2)
        parser.add_argument("--policy", type=Path, default=None,
                            help="routing policy JSON file; default: the value policy (contact_center.policies)")
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
        try:
            result = services.run_simulation(
                agents=options["agents"], calls_per_interval=_volumes(options["calls_per_interval"]),
                interval_minutes=options["interval_minutes"], aht_seconds=options["aht"],
                patience_seconds=options["patience"], vip_share=options["vip_share"], policy=policy,
                hours=options["hours"], seed=options["seed"], target_seconds=options["target"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"--{_OPTION.get(f, f).replace('_', '-')}: {' '.join(m)}"
                                         for f, m in exc.message_dict.items())) from exc
        target = f"{options['target']:g}"
        self.stdout.write(f"{options['agents']} agents, {result['intervals']} intervals of "
                          f"{options['interval_minutes']:g} min, AHT {options['aht']:g} s, seed {options['seed']}, "
                          f"policy {options['policy'] or 'value (default)'}")
        header = f"{'tier':<10} {'offered':>8} {'answered':>9} {'SL' + target:>7} {'ASA s':>7} {'abandoned':>10}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for tier, row in result["tiers"].items():
            asa = "—" if row["asa_seconds"] is None else f"{row['asa_seconds']:.1f}"
            self.stdout.write(f"{tier:<10} {row['offered']:>8} {row['answered']:>9} {_percent(row['service_level']):>7} "
                              f"{asa:>7} {_percent(row['abandonment']):>10}")
        self.stdout.write(f"occupancy {result['occupancy']:.3f}; {result['decisions']} routing decisions "
                          f"in {result['seconds']:.2f} s")
