"""The deployment files in deploy/ (issue 20): what can be checked without a container
runtime is checked on every run; building and starting the image needs a Docker daemon and
is skipped with a notice where there is none (CI without one passes)."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def _dockerfile_final_stage() -> list[str]:
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return [line for line in lines[last_from:] if line and not line.startswith("#")]


def test_the_image_runs_as_an_unprivileged_user_and_serves_with_gunicorn_conf():
    stage = _dockerfile_final_stage()
    users = [line.split()[1] for line in stage if line.startswith("USER ")]
    assert users, "the final stage must switch user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000  # numeric: Kubernetes' runAsNonRoot checks it
    cmd = [line for line in stage if line.startswith("CMD ")][-1]  # not HEALTHCHECK's
    assert '"gunicorn", "-c", "gunicorn.conf.py", "hemma.wsgi"' in cmd


def test_everything_the_dockerfile_copies_exists():
    text = (DEPLOY / "Dockerfile").read_text()
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", text, flags=re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_compose_runs_migrations_once_before_two_app_instances_and_two_workers():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "cache", "migrate", "web", "worker", "proxy"}
    # Several app instances share one cache (tests/ops/test_multi_instance.py).
    assert services["web"]["environment"]["CACHE_URL"].startswith("redis://cache:")
    for name in ("web", "worker"):
        service = services[name]
        assert service["deploy"]["replicas"] >= 2
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        # The app logs in as the app role, never as the owner or a superuser.
        assert service["environment"]["DATABASE_URL"].startswith("postgres://hemma_app:")
        assert service["read_only"] is True
    assert services["worker"]["command"] == ["hemma", "monitor"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    script = services["migrate"]["command"][-1]
    steps = [line.strip() for line in script.strip().splitlines()]
    assert steps[0].startswith("hemma db_roles --apply")
    assert "assume_role=hemma_owner" in steps[1] and "hemma migrate" in steps[1]
    assert steps[2] == "hemma db_roles --apply"  # the app's rights again after migrating
    assert services["migrate"]["restart"] == "no"


def test_the_proxy_forwards_to_the_app_and_keeps_query_strings_out_of_its_log():
    conf = (DEPLOY / "nginx" / "hemma.conf").read_text()
    assert "server web:8000" in conf and "proxy_pass http://hemma;" in conf
    log_format = conf[conf.index("log_format") : conf.index(";", conf.index("log_format"))]
    assert "$request " not in log_format and "$args" not in log_format and "$uri" in log_format
    assert "X-Forwarded-Proto https" in conf
    # The proxy's request id reaches Hemma and both logs (hemma/web/request_id.py).
    assert "proxy_set_header X-Request-ID $request_id;" in conf and "$request_id';" in conf


def test_the_example_settings_name_only_settings_hemma_reads():
    settings_source = (ROOT / "hemma" / "settings.py").read_text() + (
        ROOT / "gunicorn.conf.py"
    ).read_text()
    example = (DEPLOY / "hemma.env.example").read_text()
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.M)
    compose_only = {"POSTGRES_PASSWORD", "HEMMA_APP_PASSWORD"}
    for name in set(names) - compose_only:
        assert f'"{name}"' in settings_source, f"{name} is not read by settings or gunicorn"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_systemd_units_verify(tmp_path):
    """`systemd-analyze verify` on the units with their paths pointed at this checkout: it
    fails on an unknown key, a bad value or a command that is not there."""
    (tmp_path / "hemma.env").write_text("")
    (tmp_path / "migrate.env").write_text("")
    units = []
    for unit in (DEPLOY / "systemd").iterdir():
        text = (
            unit.read_text()
            .replace("/opt/hemma/venv", str(BIN.parent))
            .replace("/opt/hemma/app", str(ROOT))
            .replace("/etc/hemma/", f"{tmp_path}/")
        )
        name = unit.name.replace("@.", "@1.")  # a template needs an instance to verify
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    done = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Unknown" not in output and "ignoring" not in output, output


def _docker_daemon() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(
    not _docker_daemon(), reason="no container runtime (docker daemon) here: image not built"
)
def test_the_image_builds_and_starts_without_network():
    tag = "hemma:test"
    subprocess.run(
        ["docker", "build", "-f", "deploy/Dockerfile", "-t", tag, "."],
        cwd=ROOT,
        check=True,
        timeout=1800,
    )
    user = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", tag, "id", "-u"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert user.stdout.strip() == "10001"
    name = f"hemma-test-{os.getpid()}"
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "none",
            "-e",
            "SECRET_KEY=t" * 20,
            tag,
        ],
        check=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [
                    "docker",
                    "exec",
                    name,
                    "python",
                    "-c",
                    "import urllib.request; print(urllib.request.urlopen("
                    "'http://127.0.0.1:8000/healthz', timeout=4).read().decode())",
                ],
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0:
                assert '"ok"' in probe.stdout
                return
            time.sleep(1)
        raise AssertionError("the container did not answer /healthz")
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
