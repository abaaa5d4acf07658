"""`make dist-check`: the artefacts `make dist` wrote into dist/, checked as a user or an
administrator would meet them. Run inside tests/keyring_session.sh (the bundle's built-in
co-signer keeps its key in the Secret Service), as the Makefile does.

    python packaging/dist_check.py [--screenshot docs/screenshots/bundle.png]

1. The wheel holds the stylesheets, the icon and the /docs page, and no tests; the sdist holds
   every test file, the docs and packaging/.
2. The wheel in a fresh venv, without the desktop extra: no Qt installed; both `--help`s and
   `--version`s; a headless sign and its verification; a co-signer `init`, `serve`, `/ready`.
3. The bundle: `--version`, `-m cosigner_server --version`, the native (herumi) backend; then
   the desktop on a virtual X display (Xvfb) with a saved "This computer" choice: its main
   window appears (with an icon), its built-in co-signer runs from the bundle with its crypto
   workers and answers /ready; quitting stops them.
4. The .deb: its files; desktop-file-validate and appstreamcli validate clean; the systemd unit
   verified with no output at all; hadolint on the container file.
Every step prints what it saw and how long it took; the first failure stops with its reason."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
APP_ID = "io.github.splitkey.Splitkey"
BIN = Path(sys.executable).parent  # the project's venv: hadolint, build tools


class CheckFailed(Exception):
    pass


def check(condition: object, why: str) -> None:
    if not condition:
        raise CheckFailed(why)


def run(*argv: str | Path, env: dict | None = None, timeout: float = 300, ok: bool = True,
        **kwargs) -> subprocess.CompletedProcess:  # fmt: skip
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=timeout, env=env, **kwargs
    )
    if ok and done.returncode != 0:
        raise CheckFailed(
            f"{' '.join(map(str, argv))} exited {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()[-800:]}"
        )
    return done


def one(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    check(len(found) == 1, f"expected one dist/{pattern}, found {[p.name for p in found]}")
    return found[0]


def size(path: Path) -> str:
    total = (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        if path.is_dir()
        else path.stat().st_size
    )
    return f"{total / 2**20:.1f} MB" if total > 2**20 else f"{total / 1024:.0f} KB"


def wait_for(what: str, probe, timeout: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise CheckFailed(f"{what}: not within {timeout:g} s")


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def unix_http_status(socket_path: str, path: str) -> int | None:
    """GET over the built-in co-signer's Unix socket (it has no TCP port): the status code."""
    import http.client
    import socket

    class UnixConnection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(3)
            self.sock.connect(socket_path)

    connection = UnixConnection("localhost")
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- 1. contents -------------------------------------------------------------------------------


def check_contents() -> str:
    wheel = zipfile.ZipFile(one("splitkey-*.whl")).namelist()
    for name in ("ui/resources/base.qss", "ui/resources/light.qss", "ui/resources/dark.qss",
                 "ui/resources/splitkey.svg", "cosigner_server/static/docs.html",
                 "app/version.py"):  # fmt: skip
        check(name in wheel, f"the wheel has no {name}")
    check(not any(n.startswith("tests/") for n in wheel), "the wheel carries the tests")
    with tarfile.open(one("splitkey-*.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    tracked = run("git", "ls-files", "tests", "resources", "packaging", cwd=ROOT).stdout.split()
    missing = [t for t in tracked if t not in names]
    check(not missing, f"the sdist lacks {missing[:5]} ({len(missing)} files)")
    for name in ("docs/cosigner.md", "Makefile", ".ci/run", "pyproject.toml"):
        check(name in names, f"the sdist has no {name}")
    tests = sum(t.endswith(".py") for t in tracked if t.startswith("tests/"))
    return f"wheel {len(wheel)} files; sdist has all {tests} test files, docs, packaging"


# -- 2. the wheel in a fresh venv ----------------------------------------------------------------


def check_wheel(work: Path) -> str:
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv)
    py, bin_ = venv / "bin" / "python", venv / "bin"
    run(py, "-m", "pip", "install", "--quiet", f"{one('splitkey-*.whl')}[native]", timeout=900)
    no_qt = run(py, "-c", "import PySide6", ok=False)
    check(no_qt.returncode != 0, "the server-only install pulled in PySide6")
    bare = run(bin_ / "splitkey", ok=False)
    check(
        "splitkey[desktop]" in bare.stderr and "usage:" in bare.stdout,
        f"`splitkey` without Qt does not say how to get the desktop: {bare.stderr[-300:]}",
    )
    for script in ("splitkey", "splitkey-cosigner"):
        check("usage:" in run(bin_ / script, "--help").stdout, f"{script} --help printed no usage")
        version = run(bin_ / script, "--version").stdout.split()
        check(version[1:] == [installed_version()], f"{script} --version says {version}")
    # A headless sign with the native backend, verified by the same CLI.
    keys = json.loads(run(bin_ / "splitkey", "--backend", "native", "keys", "new").stdout)
    digest = "a" * 64
    signed = json.loads(run(bin_ / "splitkey", "--backend", "native", "sign", "--private-key",
                            keys["private_key"], "--hash", digest).stdout)  # fmt: skip
    verify = ["verify", "--public-key", keys["public_key"], "--hash", digest]
    run(bin_ / "splitkey", *verify, "--signature", signed["signature"])
    other = run(bin_ / "splitkey", *verify[:-1], "b" * 64, "--signature", signed["signature"],
                ok=False)  # fmt: skip
    check(other.returncode == 1, f"a signature verified for another hash ({other.returncode})")
    # The co-signer: init, serve, /ready, a clean stop.
    data, port = work / "cosigner", free_port()
    run(bin_ / "splitkey-cosigner", "init", "--data-dir", data, "--no-tls", "--kek-source",
        "file", "--port", str(port))  # fmt: skip
    server = subprocess.Popen(
        [bin_ / "splitkey-cosigner", "serve", "--data-dir", data],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for("the wheel's co-signer /ready",
                 lambda: http_status(f"http://127.0.0.1:{port}/ready") == 200)  # fmt: skip
        check(http_status(f"http://127.0.0.1:{port}/docs") == 200, "/docs does not answer")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(60)
    check(code == 0, f"serve exited {code} on SIGTERM: {server.stderr.read()[-400:]}")
    return (f"fresh venv {size(venv)} without Qt: --help/--version, headless sign + verify, "
            "co-signer init + serve + /ready + /docs + SIGTERM")  # fmt: skip


def installed_version() -> str:
    sys.path.insert(0, str(ROOT))
    from app.version import __version__

    return __version__


# -- 3. the bundle ---------------------------------------------------------------------------------


def descendants(pid: int) -> dict[int, list[str]]:
    """{pid: argv} of every process below pid."""
    children: dict[int, list[int]] = {}
    argv: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        argv[int(entry.name)] = [a.decode(errors="replace") for a in cmdline if a]
    found, todo = {}, list(children.get(pid, []))
    while todo:
        p = todo.pop()
        found[p] = argv.get(p, [])
        todo += children.get(p, [])
    return found


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A virtual X display (1100x720); its name, e.g. ":7"."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1100x720x24", "-nolisten", "tcp"],
        pass_fds=(write,), stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    check(display, "Xvfb did not start")
    try:
        yield f":{display}"
    finally:
        server.terminate()
        server.wait(10)


def top_windows(display: str) -> dict[str, str]:
    """{window id: title} of the display's windows that have a title and a class (Qt's 1x1
    group leader has the title but no class; a window manager's frame has neither)."""
    out = run("xwininfo", "-root", "-tree", env={**os.environ, "DISPLAY": display}).stdout
    windows = {}
    for line in out.splitlines():
        parts = line.strip().split(" ", 1)
        if parts[0].startswith("0x") and len(parts) > 1 and parts[1].startswith('"'):
            title, rest = parts[1][1:].split('"', 1)
            if rest.startswith(': ("'):
                windows[parts[0]] = title
    return windows


def check_bundle(work: Path, screenshot: Path | None) -> str:
    exe = DIST / "splitkey" / "splitkey"
    check(exe.is_file(), "no dist/splitkey/splitkey")
    version = installed_version()
    check(run(exe, "--version").stdout.split() == ["splitkey", version], "bundle --version")
    check(run(exe, "-m", "cosigner_server", "--version").stdout.split()
          == ["splitkey-cosigner", version], "bundle -m cosigner_server --version")  # fmt: skip
    keys = json.loads(run(exe, "--backend", "native", "keys", "new").stdout)
    check(len(keys["private_key"]) == 64, "the bundle's native backend made no key")

    # The desktop, as on a second start after choosing "This computer" in the wizard.
    home, config, data = work / "home", work / "config", work / "data"
    for d in (home, config, data):
        d.mkdir(mode=0o700)
    (config / "desktop.ini").write_text("[cosigner]\nmode=local\n")
    with xvfb() as display:
        env = {**os.environ, "HOME": str(home), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
               "SPLITKEY_CONFIG_DIR": str(config), "SPLITKEY_DATA_DIR": str(data),
               "XDG_DATA_HOME": str(home / ".local/share")}  # fmt: skip
        # For the screenshot only: a window manager draws the title bar with the window's icon.
        wm = shutil.which("icewm") if screenshot is not None else None
        manager = wm and subprocess.Popen([wm], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)  # fmt: skip
        started = time.monotonic()
        app = subprocess.Popen([exe], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # fmt: skip
        try:
            window = wait_for("the bundle's main window", lambda: next(
                (w for w, title in top_windows(display).items() if title == "Splitkey"), None),
                timeout=90)  # fmt: skip
            shown = time.monotonic() - started
            icon = run("xprop", "-id", window, "_NET_WM_ICON", env=env).stdout
            check("_NET_WM_ICON(CARDINAL)" in icon and "not found" not in icon,
                  "the main window has no icon")  # fmt: skip
            serve = wait_for("the built-in co-signer", lambda: next(
                ((p, a) for p, a in descendants(app.pid).items()
                 if a[:3] == [str(exe), "-m", "cosigner_server"] and "serve" in a), None),
                timeout=90)  # fmt: skip
            socket_path = serve[1][serve[1].index("--unix-socket") + 1]
            wait_for(
                "the built-in co-signer's /ready",
                lambda: unix_http_status(socket_path, "/ready") == 200,
                timeout=90,
            )
            workers = wait_for(
                "its crypto workers",
                lambda: [
                    p for p, a in descendants(serve[0]).items() if "--multiprocessing-fork" in a
                ],
            )
            ready = time.monotonic() - started
            # herumi's library, loaded by the default (auto) backend in every crypto worker (the
            # co-signer's signing runs there) as it warms up: the bundle's own copy, mapped.
            library = f"{DIST / 'splitkey'}/_internal/pymcl/_pymcl"
            wait_for(
                "herumi's library in every crypto worker",
                lambda: all(library in Path(f"/proc/{pid}/maps").read_text() for pid in workers),
            )
            if screenshot is not None:
                time.sleep(2)  # the wallet list loads once the co-signer answers
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                run("import", "-display", display, "-window", "root", screenshot, env=env)
        finally:
            below = descendants(app.pid)
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(60)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
            # The built-in co-signer outlives a desktop that was killed (the next start reuses
            # it, app/local_cosigner.py): stop it as its owner would, and see it and its
            # workers go.
            for pid, argv in below.items():
                if "serve" in argv and Path(f"/proc/{pid}").exists():
                    os.kill(pid, signal.SIGTERM)
            if manager:
                manager.terminate()
                manager.wait(10)
            wait_for(
                "the co-signer and its workers to stop on SIGTERM",
                lambda: not any(Path(f"/proc/{p}").exists() for p in below),
                timeout=60,
                every=0.5,
            )
    check("Traceback" not in (app.stderr.read() if app.stderr else ""), "the bundle printed a "
          "traceback")  # fmt: skip
    return (
        f"{size(DIST / 'splitkey')}: --version x2, native keys; on Xvfb the main window "
        f"(with icon) in {shown:.1f} s, the built-in co-signer /ready with "
        f"{len(workers)} crypto workers in {ready:.1f} s, herumi's library loaded in each; "
        "all stopped on SIGTERM"
    )


# -- 4. the .deb and the validators -------------------------------------------------------------


def check_deb(work: Path) -> str:
    deb = one("splitkey_*.deb")
    listing = run("dpkg-deb", "--contents", deb).stdout
    for path in ("./usr/bin/splitkey -> /opt/splitkey/splitkey", "./usr/bin/splitkey-cosigner",
                 f"./usr/share/applications/{APP_ID}.desktop",
                 f"./usr/share/metainfo/{APP_ID}.metainfo.xml",
                 "./usr/share/icons/hicolor/scalable/apps/splitkey.svg",
                 "./usr/share/icons/hicolor/256x256/apps/splitkey.png",
                 "./lib/systemd/system/splitkey-cosigner.service",
                 "./opt/splitkey/_internal/pymcl/_pymcl"):  # fmt: skip
        check(path in listing, f"the .deb has no {path}")
    check("-rw------- root/root" in next(line for line in listing.splitlines()
                                         if "etc/splitkey/cosigner.env" in line),
          "cosigner.env is not 0600 root")  # fmt: skip
    info = run("dpkg-deb", "--field", deb, "Package", "Version", "Depends").stdout
    check(f"Version: {installed_version()}" in info, f"the .deb's control: {info}")
    tree = work / "deb"
    run("dpkg-deb", "-x", deb, tree)
    check(run(tree / "opt/splitkey/splitkey", "--version").stdout.split()[1]
          == installed_version(), "the extracted bundle")  # fmt: skip
    for argv in (("desktop-file-validate", tree / f"usr/share/applications/{APP_ID}.desktop"),
                 ("appstreamcli", "validate", "--no-net",
                  tree / f"usr/share/metainfo/{APP_ID}.metainfo.xml")):  # fmt: skip
        done = run(*argv)
        noise = [line for line in done.stdout.splitlines() + done.stderr.splitlines()
                 if line.strip() and not line.startswith(("✔", "P:"))]  # fmt: skip
        check(not noise, f"{argv[0]}: {noise}")
    # systemd-analyze exits 0 on values it cannot parse: any output is a failure. ExecStart must
    # exist for it, so the unit is verified pointing into the extracted tree.
    unit = work / "splitkey-cosigner.service"
    unit.write_text((tree / "lib/systemd/system/splitkey-cosigner.service").read_text()
                    .replace("/usr/bin/", f"{tree}/usr/bin/"))  # fmt: skip
    done = run("systemd-analyze", "verify", unit, ok=False)
    said = (done.stdout + done.stderr).strip()
    check(done.returncode == 0 and not said, f"systemd-analyze verify: {said}")
    exposure = run("systemd-analyze", "security", "--offline=true", unit).stdout.strip()
    exposure = exposure.splitlines()[-1].split("level for")[-1].split(":", 1)[-1].strip()
    lint = run(BIN / "hadolint", ROOT / "packaging" / "container" / "Containerfile", ok=False)
    check(lint.returncode == 0 and not lint.stdout.strip(), f"hadolint: {lint.stdout.strip()}")
    return (
        f"{size(deb)}: files, modes, control; desktop-file-validate, appstreamcli, "
        f"systemd-analyze verify clean (exposure {exposure}); hadolint clean"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenshot", type=Path, help="save the bundle's screen here (PNG)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["contents", "wheel", "bundle", "deb"])  # fmt: skip
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="splitkey-dist-check-"))
    steps = [
        ("contents", lambda _d: check_contents()),
        ("wheel", check_wheel),
        ("bundle", lambda d: check_bundle(d, args.screenshot)),
        ("deb", check_deb),
    ]
    try:
        for name, step in steps:
            if name in args.skip:
                continue
            began = time.monotonic()
            try:
                (work / name).mkdir()
                said = step(work / name)
            except CheckFailed as exc:
                print(f"dist-check: {name}: FAIL: {exc}", file=sys.stderr)
                return 1
            print(f"dist-check: {name}: ok ({time.monotonic() - began:.1f} s): {said}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
