"""The `guanxi` command as an operator types it: clear one-line errors, nothing half-done."""

import os
import stat
import subprocess
import sys

import pytest

from guanxi.cli import main
from guanxi.core.models import User


def test_createuser_adds_a_member_of_an_org_unit(org, capsys):
    main(["createuser", "alice", "--role", "hq_sales", "--org-unit", "HQ", "--password", "long-enough-1"])
    alice = User.objects.get(username="alice")
    assert list(alice.memberships.values_list("role__name", "org_unit__code")) == [("hq_sales", "HQ")]
    assert alice.check_password("long-enough-1")
    assert "created alice" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "hq_sales", "--org-unit", "NOPE", "--password", "long-enough-1"], "no org unit with code 'NOPE'"),
        (["--role", "boss", "--org-unit", "HQ", "--password", "long-enough-1"], "no role 'boss'"),
        (["--role", "hq_sales", "--org-unit", "HQ", "--password", "short"], "at least 8 characters"),
        (["--role", "hq_sales", "--org-unit", "HQ", "--password", "12345678"], "太常见"),  # "too common"; accepted once
    ],
)
def test_createuser_refuses_bad_input_with_one_line(org, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["createuser", "bob", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_createuser_refuses_a_user_name_with_markup(org, capsys):
    """`<script>x` was accepted as a user name once."""
    with pytest.raises(SystemExit) as exit_:
        main(["createuser", "<script>x", "--role", "hq_sales", "--org-unit", "HQ", "--password", "long-enough-1"])
    assert exit_.value.code == 2 and "user name '<script>x'" in capsys.readouterr().err
    assert not User.objects.filter(username="<script>x").exists()


def test_createuser_with_an_administrator_role_can_open_the_admin(org):
    from guanxi.core.models import administrators

    main(["createuser", "root2", "--role", "admin", "--org-unit", "HQ", "--password", "long-enough-1"])
    root2 = User.objects.get(username="root2")
    assert root2.is_staff and not root2.is_superuser and root2 in administrators()


def test_the_files_guanxi_writes_are_its_owners_only(tmp_path):
    """The SQLite database and its WAL were created 0644 (readable by every local user)."""
    env = {**os.environ, "GUANXI_DATA_DIR": str(tmp_path / "data")}
    env.pop("GUANXI_TEST_DATABASE_URL", None)
    env.pop("GUANXI_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "guanxi.cli", "migrate"], env=env, check=True, capture_output=True)
    written = list((tmp_path / "data").rglob("*"))
    assert {"guanxi.sqlite3", "secret_key"} <= {path.name for path in written}
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"
