"""Settings come only from GUANXI_* variables; checked in a fresh process, as a server starts."""

import os
import secrets
import subprocess
import sys


def _deploy_check(tmp_path, **env) -> str:
    environment = {**os.environ, "GUANXI_DATA_DIR": str(tmp_path), "GUANXI_SECRET_KEY": secrets.token_urlsafe(60),
                   "GUANXI_ALLOWED_HOSTS": "crm.example.cn", **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-m", "guanxi.cli", "manage", "check", "--deploy"],
                          env=environment, capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


def test_behind_https_the_deployment_check_has_only_the_preload_choice_left(tmp_path):
    assert "security.W004" in _deploy_check(tmp_path)  # no HSTS without GUANXI_HTTPS
    report = _deploy_check(tmp_path, GUANXI_HTTPS="1")
    warnings = {line.split(")")[0].strip("?: (") for line in report.splitlines() if "security.W" in line}
    assert warnings == {"security.W021"}, report


def test_the_data_directory_and_secret_key_are_the_owners_only(tmp_path):
    data = tmp_path / "fresh"
    environment = {**os.environ, "GUANXI_DATA_DIR": str(data)}
    environment.pop("GUANXI_SECRET_KEY", None)
    subprocess.run([sys.executable, "-c", "import guanxi.settings"], env=environment, check=True, timeout=60)
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600
