"""The deployment files in deploy/ (issue 20): what can be checked without a container
runtime is checked on every run; building and starting the image needs a Docker daemon or,
as root, buildah and podman, and is skipped with a notice where neither works (CI without
them passes)."""

import importlib.util
import os
import re
import resource
import secrets
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


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.mark.skipif(
    not Path(NGINX).exists() and os.environ.get("CI") != "true",
    reason="no nginx here (apt-get install nginx): the proxy's configuration is not run",
)
def test_nginx_accepts_the_proxy_configuration(tmp_path):
    """`nginx -t` on deploy/nginx/hemma.conf, included as compose's image includes it (in
    the `http` block) with a certificate of its own. The first compose start found two
    errors no text check saw: log_format inside `server`, and `http2 on`, which Debian's
    nginx 1.22 (systemd hosts) does not know."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=hemma.test", "-keyout", str(tmp_path / "server.key")]
        + ["-out", str(tmp_path / "server.crt")],
        check=True,
        capture_output=True,
    )
    site = (
        (DEPLOY / "nginx" / "hemma.conf")
        .read_text()
        .replace("server web:8000", "server 127.0.0.1:8000")  # `web` resolves in compose only
        .replace("/etc/nginx/tls/", f"{tmp_path}/")
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "hemma.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; include {tmp_path}/hemma.conf; }}\n"
    )
    done = subprocess.run(
        [NGINX, "-t", "-q", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


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


def _load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_image_and_compose_probe_health_with_the_probe_script():
    stage = _dockerfile_final_stage()
    healthcheck = " ".join(stage[stage.index(next(s for s in stage if "HEALTHCHECK" in s)) :])
    assert '["python", "deploy/healthcheck.py", "/healthz"]' in healthcheck
    assert "COPY deploy/healthcheck.py /app/deploy/healthcheck.py" in stage
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test == ["CMD", "python", "deploy/healthcheck.py", "/readyz"]


@pytest.mark.django_db
def test_the_probe_passes_production_host_checks_and_the_https_redirect(client, settings):
    """Found by running the image: a bare GET of 127.0.0.1:8000 is refused in production
    (400: the host is not in ALLOWED_HOSTS; with it, a redirect to HTTPS), so the container
    would never be healthy. The probe's headers get a 200 under the same settings."""
    settings.ALLOWED_HOSTS = ["hemma.region.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/healthz").status_code == 400  # what the old HEALTHCHECK did

    probe = _load_healthcheck()
    os.environ["ALLOWED_HOSTS"] = ".region.example,other.example"
    try:
        host = probe.probe_host()
    finally:
        del os.environ["ALLOWED_HOSTS"]
    assert host == "region.example"
    settings.ALLOWED_HOSTS = [".region.example"]
    response = client.get("/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
    assert response.status_code == 200


def test_the_probe_fails_when_nothing_answers(monkeypatch, capsys):
    monkeypatch.setenv("HEMMA_BIND", "127.0.0.1:9")  # discard port: connection refused
    assert _load_healthcheck().main("/readyz") == 1
    assert "/readyz" in capsys.readouterr().err


# Building and running the image. Docker where its daemon answers; else, as root with
# buildah, podman, runc and debootstrap (Debian packages), scripts/build_image_offline.sh
# builds it on a debootstrapped base (no Docker Hub) and podman runs it; else skipped.
STORAGE_DRIVER = os.environ.get("STORAGE_DRIVER", "vfs")
PODMAN = [
    "podman",
    "--storage-driver",
    STORAGE_DRIVER,
    # runc: crun refuses a hybrid cgroup v1/v2 layout; cgroupfs: no systemd to ask.
    "--runtime",
    "runc",
    "--cgroup-manager",
    "cgroupfs",
]


def _podman_ulimits() -> list[str]:
    """podman asks for more open files and processes than a sandbox's hard limits allow
    (and lowers its own process limit to 32768 before starting runc): ask for what is."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], 32768)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}"]


def _container_runtime() -> tuple[list[str], list[str], list[str]] | None:
    """(build command, CLI, extra run flags) of the first runtime that works here."""
    tag = "hemma:test"
    if shutil.which("docker") is not None:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
        if info.returncode == 0:
            return ["docker", "build", "-f", "deploy/Dockerfile", "-t", tag, "."], ["docker"], []
    tools = ("buildah", "podman", "runc", "debootstrap")
    if os.geteuid() == 0 and all(shutil.which(tool) for tool in tools):
        info = subprocess.run([*PODMAN, "info"], capture_output=True, timeout=60)
        if info.returncode == 0:
            build = ["env", f"TAG={tag}", f"STORAGE_DRIVER={STORAGE_DRIVER}"]
            return [*build, "scripts/build_image_offline.sh"], PODMAN, _podman_ulimits()
    return None


RUNTIME = _container_runtime()


@pytest.mark.skipif(
    RUNTIME is None,
    reason="no container runtime here (no docker daemon; no root with buildah, podman, "
    "runc and debootstrap): image not built",
)
@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the image is built once, on the SQLite pass (it does not depend on the database)",
)
def test_the_image_builds_and_starts_without_network():
    build, cli, run_flags = RUNTIME
    tag = "localhost/hemma:test" if cli is PODMAN else "hemma:test"
    subprocess.run(build, cwd=ROOT, check=True, timeout=1800)
    user = subprocess.run(
        [*cli, "run", "--rm", "--network", "none", *run_flags, tag, "id"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert user.stdout.split()[:2] == ["uid=10001(hemma)", "gid=10001(hemma)"], user.stdout
    name = f"hemma-test-{os.getpid()}"
    # As compose runs it: read-only, a tmpfs for /tmp, production settings.
    subprocess.run(
        [*cli, "run", "-d", "--name", name, "--network", "none", *run_flags]
        + ["--read-only", "--tmpfs", "/tmp", "-e", "SECRET_KEY=" + secrets.token_urlsafe(50)]
        + ["-e", "ALLOWED_HOSTS=hemma.region.example", tag],
        check=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            # The image's own HEALTHCHECK command.
            probe = subprocess.run(
                [*cli, "exec", name, "python", "deploy/healthcheck.py", "/healthz"],
                capture_output=True,
                text=True,
            )
            if probe.returncode == 0:
                break
            assert time.monotonic() < deadline, f"no /healthz: {probe.stderr}"
            time.sleep(1)
        check = subprocess.run(
            [*cli, "exec", name, "hemma", "check", "--deploy", "--fail-level", "WARNING"],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        # No database in this container: ready it is not, and the probe says so.
        ready = subprocess.run(
            [*cli, "exec", name, "python", "deploy/healthcheck.py", "/readyz"],
            capture_output=True,
            text=True,
        )
        assert ready.returncode == 1 and "503" in ready.stderr
    finally:
        subprocess.run([*cli, "rm", "-f", name], capture_output=True)


def test_each_gunicorn_worker_freezes_what_it_loaded_out_of_the_garbage_collector(
    monkeypatch, tmp_path
):
    import gc
    import runpy

    # Set, so reading the file makes no metrics directory of its own.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
