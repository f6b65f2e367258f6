"""`guanxi simulate` and POST /api/contact-center/simulate: the same seeded run, bounded on the API."""

import json
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from guanxi.contact_center import planning
from guanxi.contact_center.policies import FIFO, SLA_AWARE
from guanxi.core.roles import Role

URL = "/api/contact-center/simulate"


def test_command_prints_a_table_per_tier_and_overall(capsys):
    call_command("simulate", agents=14, calls_per_interval="100", hours=8, seed=7)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["tier", "offered", "answered", "SL20", "ASA", "s", "abandoned"]
    rows = {line.split()[0]: line.split() for line in lines[3:6]}
    assert set(rows) == {"standard", "vip", "overall"}
    assert int(rows["overall"][1]) == int(rows["standard"][1]) + int(rows["vip"][1])
    assert 0.8 < float(rows["vip"][3]) <= 1 and lines[-1].startswith("occupancy 0.")


def test_command_is_reproducible_and_reads_a_policy_file(tmp_path, capsys):
    policy = tmp_path / "fifo.json"
    policy.write_text(json.dumps(FIFO))
    call_command("simulate", calls_per_interval="60,100,140", patience=300, seed=3, policy=str(policy))
    first = capsys.readouterr().out
    call_command("simulate", calls_per_interval="60,100,140", patience=300, seed=3, policy=str(policy))
    again = capsys.readouterr().out
    strip = [line for line in first.splitlines() if "routing decisions" not in line]
    assert strip == [line for line in again.splitlines() if "routing decisions" not in line]
    assert "3 intervals" in first and "fifo.json" in first


def test_command_reads_the_sla_aware_policy_from_its_file(tmp_path, capsys):
    policy = tmp_path / "sla.json"
    policy.write_text(json.dumps(SLA_AWARE))
    call_command("simulate", agents=14, calls_per_interval="100", hours=24, seed=3, policy=str(policy))
    with_target = capsys.readouterr().out
    call_command("simulate", agents=14, calls_per_interval="100", hours=24, seed=3)  # the value policy
    without = capsys.readouterr().out

    def overall_sl(out):
        return float(next(line.split()[3] for line in out.splitlines() if line.startswith("overall")))

    assert "sla.json" in with_target
    assert overall_sl(with_target) > overall_sl(without)


@pytest.mark.parametrize("options, message", [
    ({"aht": -1}, "--aht: must be more than 0"),
    ({"vip_share": 1.5}, "--vip-share"),
    ({"calls_per_interval": "many"}, "--calls-per-interval"),
    ({"policy": "/no/such/policy.json"}, "--policy: cannot read"),
])
def test_command_refuses_bad_input_naming_the_option(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate", **options)


def test_guanxi_cli_runs_it():
    done = subprocess.run(
        [sys.executable, "-m", "guanxi.cli", "simulate", "--agents", "13", "--hours", "2", "--vip-share", "0",
         "--seed", "1"], capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "overall" in done.stdout and "vip" not in done.stdout.split("\n", 1)[1]
    bad = subprocess.run([sys.executable, "-m", "guanxi.cli", "simulate", "--agents", "0"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--agents" in bad.stderr


def test_api_runs_the_same_simulation(client, users, capsys):
    client.force_login(users[Role.SUPERVISOR])
    response = client.post(URL, {"agents": 14, "calls_per_interval": 100, "hours": 8, "seed": 7},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    call_command("simulate", agents=14, calls_per_interval="100", hours=8, seed=7)
    overall = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("overall")][0]
    assert body["tiers"]["overall"]["offered"] == int(overall[1])
    assert f'{body["tiers"]["overall"]["service_level"]:.3f}' == overall[3]
    assert set(body["tiers"]) == {"vip", "standard", "overall"} and body["intervals"] == 16


@pytest.mark.parametrize("change, field", [
    ({"calls_per_interval": 1000, "hours": 24 * 30}, "calls_per_interval"),  # ~1.4 million contacts
    ({"agents": 50_000}, "agents"),
    ({"agents": 1_500, "calls_per_interval": 5_000, "hours": 2}, "agents"),  # 20,000 contacts x 1,500 agents
    ({"agents": 0}, "agents"),
    ({"aht_seconds": 0}, "aht_seconds"),
    ({"policy": {"tier_priority": {"vip": 1}}}, "policy"),
    ({"policy": {"tier_priority": {"gold": 1}, "aging_weight": 1, "fallback": {"action": "voicemail"}}}, "policy"),
    ({"policy": {**SLA_AWARE, "service_level_target_seconds": 0}}, "policy"),
    ({"policy": {**SLA_AWARE, "service_level_target_seconds": "20 s"}}, "policy"),
])
def test_api_refuses_bad_or_too_large_runs_with_422(client, users, change, field):
    client.force_login(users[Role.SUPERVISOR])
    payload = {"agents": 14, "calls_per_interval": 100, **change}
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == field


@pytest.mark.parametrize("role, allowed", [
    (Role.SUPERVISOR, True), (Role.ADMIN, True), (Role.ANALYST, True),
    (Role.AGENT, False), (Role.DEALER_SALES, False), (Role.SERVICE_ADVISOR, False), ("no_role", False),
])
def test_api_simulate_is_for_supervisors_analysts_and_admins(client, users, role, allowed):
    client.force_login(users[role])
    response = client.post(URL, {"agents": 14, "calls_per_interval": 10, "hours": 1}, content_type="application/json")
    assert response.status_code == (200 if allowed else 403), response.content


def test_api_simulate_needs_credentials(client, db):
    response = client.post(URL, {"agents": 14, "calls_per_interval": 10, "hours": 1}, content_type="application/json")
    assert response.status_code == 401


def test_command_takes_an_agent_schedule_and_reports_each_interval(capsys):
    call_command("simulate", agents="14,9,14,14", calls_per_interval="100", seed=2)
    out = capsys.readouterr().out
    assert out.startswith("agents 14,9,14,14, 4 intervals")
    table = out.split("\ninterval", 1)[1].splitlines()[1:5]
    rows = [line.split() for line in table]
    assert [int(row[1]) for row in rows] == [14, 9, 14, 14]
    levels = [float(row[4]) for row in rows]
    assert levels[1] == min(levels)
    assert out.splitlines()[-1].startswith("occupancy 0.")


def test_command_replays_arrivals_from_a_csv_file(tmp_path, capsys):
    history = tmp_path / "history.csv"
    rows = [(t, "vip" if t % 5 == 0 else "standard") for t in range(0, 3600, 11)]
    history.write_text("seconds,tier\n" + "".join(f"{t},{tier}\n" for t, tier in rows))
    call_command("simulate", agents=12, arrivals=str(history), seed=1)
    tiers = {line.split()[0]: int(line.split()[1]) for line in capsys.readouterr().out.splitlines()[3:6]}
    assert tiers == {"standard": sum(tier == "standard" for _, tier in rows),
                     "vip": sum(tier == "vip" for _, tier in rows), "overall": len(rows)}


@pytest.mark.parametrize("options, message", [
    ({"agents": "14,x"}, "--agents: '14,x' is not a number"),
    ({"agents": "14,9", "calls_per_interval": "1,2,3"}, "--agents: 2 numbers for 3 intervals"),
    ({"agents": "0,0"}, "--agents: at least one interval"),
    ({"arrivals": "/no/such/history.csv"}, "--arrivals: cannot read"),
])
def test_command_refuses_a_bad_schedule_or_history(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate", **options)


def test_command_names_the_bad_row_of_a_history_file(tmp_path):
    history = tmp_path / "history.csv"
    history.write_text("0,standard\nsoon,vip\n")
    with pytest.raises(CommandError, match="row 2 of .* is not seconds,tier"):
        call_command("simulate", arrivals=str(history))
    history.write_text("0,platinum\n")
    with pytest.raises(CommandError, match=r"--arrivals\[0\].tier: 'platinum' is not a tier"):
        call_command("simulate", arrivals=str(history))


def test_api_takes_a_schedule_and_replayed_arrivals(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = client.post(URL, {"agents": [2, 1, 1], "interval_minutes": 1, "arrivals": [
        {"seconds": 0, "tier": "vip", "handle_seconds": 200}, {"seconds": 1, "handle_seconds": 100},
        {"seconds": 70, "handle_seconds": 10},
    ]}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(row["agents"], row["offered"]) for row in body["by_interval"]] == [(2, 2), (1, 1), (1, 0)]
    assert body["by_interval"][1]["asa_seconds"] == 130.0  # the agent off duty at 60 s took no new call
    assert body["overtime_seconds"] == 41.0
    assert body["tiers"]["vip"]["offered"] == 1 and body["tiers"]["overall"]["offered"] == 3


@pytest.mark.parametrize("change, field", [
    ({"agents": [14, 14], "calls_per_interval": [100, 100, 100]}, "agents"),
    ({"agents": [14, -1]}, "agents[1]"),
    ({"agents": [2_500, 1]}, "agents[0]"),
    ({"arrivals": [{"seconds": -5}]}, "arrivals[0].seconds"),
    ({"arrivals": [{"seconds": 5, "tier": "platinum"}]}, "arrivals[0].tier"),
    ({"agents": [1, 1], "arrivals": [{"seconds": 4000}]}, "agents"),  # beyond the schedule's hour
    ({"calls_per_interval": None}, "calls_per_interval"),
])
def test_api_refuses_a_bad_schedule_or_history_with_422(client, users, change, field):
    client.force_login(users[Role.SUPERVISOR])
    response = client.post(URL, {"agents": 14, "calls_per_interval": 100, **change}, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == field


def test_tiny_intervals_end_instead_of_looping_forever():
    """(i+1)*s // s rounds back to i for s = 0.6 s: the arrival loop once spun there for ever."""
    result = planning.run_simulation(agents=1, calls_per_interval=1, interval_minutes=0.01, hours=0.05, seed=3)
    assert result["intervals"] == 300  # 3 minutes of 0.6-second intervals


def test_a_run_of_millions_of_intervals_is_refused_before_it_is_built():
    with pytest.raises(ValidationError) as err:
        planning.run_simulation(agents=1, calls_per_interval=0, interval_minutes=0.01, hours=24 * 365, seed=1)
    assert "interval_minutes" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        planning.run_simulation(agents=1, arrivals=[{"seconds": 3e7, "tier": "standard"}], interval_minutes=0.1, seed=1)
    assert "arrivals" in err.value.message_dict
