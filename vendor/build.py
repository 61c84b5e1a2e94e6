#!/usr/bin/env python3
"""Build the Python 3.6 vendored set and the embedded-board bundles.

    python3 vendor/build.py [--index-url URL] [--dist DIR]

1. Installs the hash-pinned set in vendor/requirements-py36.txt into
   vendor/py36/ (git-ignored) with pip from PyPI alone: the machine's pip
   configuration files and PIP_* settings are ignored, the C accelerators of
   aiohttp, multidict, yarl and frozenlist are switched off by their
   *_NO_EXTENSIONS variables, and every compiled file that still sneaks in
   (websockets' optional speedups, anything ELF) is removed together with C
   sources and type stubs. The result runs on any CPU.
2. Writes dist/xwterm-embedded-py36.tar.gz (xwterm/, example/, web/,
   vendor/py36/, README-embedded.txt) and dist/xwterm-embedded-py36-ws.tar.gz
   (websockets only, and no web/ since nothing would serve it), without what a
   board never runs (vendor/contents.py), reproducibly: sorted entries, fixed
   mtime, owner and modes, no __pycache__.  It prints what each part costs, and
   each bundle's README states the sizes measured here.

Runs on the machine's default Python (3.6 or newer); only the packages it
installs are meant for Python 3.6.
"""

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import contents  # noqa: E402  (vendor/, beside this file)
from xwterm import auth  # noqa: E402  (the facts the bundle's README states)
from xwterm.cli import build_parser  # noqa: E402
PINS = os.path.join(HERE, "requirements-py36.txt")
TARGET = os.path.join(HERE, "py36")
PYPI = "https://pypi.org/simple"

# 2020-01-01T00:00:00Z, or SOURCE_DATE_EPOCH when the caller sets one.
DEFAULT_EPOCH = 1577836800

NO_EXTENSIONS = ("AIOHTTP_NO_EXTENSIONS", "MULTIDICT_NO_EXTENSIONS",
                 "YARL_NO_EXTENSIONS", "FROZENLIST_NO_EXTENSIONS")
# pip settings that are about reaching PyPI at all; every other PIP_* variable
# (find-links, extra indexes, constraints, target...) is dropped.
PIP_ENV_KEEP = ("PIP_CERT", "PIP_CLIENT_CERT", "PIP_PROXY",
                "PIP_DEFAULT_TIMEOUT", "PIP_RETRIES")
# Useless without a compiler or only for type checkers: never shipped.
STRIP_SUFFIXES = (".so", ".pyd", ".dll", ".dylib", ".c", ".h", ".pyx",
                  ".pxd", ".pyi", ".pyc", ".pyo")
# pip's install records (RECORD would list the removed files; WHEEL names the
# build machine's tag): the board has no pip to read them.
STRIP_NAMES = ("RECORD", "INSTALLER", "REQUESTED", "WHEEL", "direct_url.json")
# Top-level entries of vendor/py36 that belong to websockets (for -ws bundle).
WS_ONLY = re.compile(r"^websockets($|-[^/]*\.dist-info$)")

SOURCE_DIRS = ("xwterm", "example", "web")

README = """\
{title}
{rule}

{name}: {size} bytes ({size_kib} KiB);
unpacked {unpacked} bytes in {count} files (measured by vendor/build.py when it
wrote this bundle).

Nothing to install on Python 3.6: {what}
vendored in vendor/py36/ as pure Python, used only when the system has none of
its own. Newer Pythons never use them: there, pip install {pip}.

    mkdir xwterm && tar -xzf {name} -C xwterm
    cd xwterm
    python3 example/miniserver.py --check     # what can run, and from where
    python3 example/miniserver.py --bind 0.0.0.0

The login is on by default. At each start the server makes a new random token
and prints one URL per network address, each carrying it:

{urls}

{listeners}
To keep one token across restarts, set {token_env} (at least {token_min}
characters) in the service's environment; or log in with a password:
    python3 example/miniserver.py --hash-password > /etc/xwterm.hash
then start with --password-file /etc/xwterm.hash. Without TLS the token and
everything typed travel the network in clear: add --certfile and --keyfile (the
banner prints an openssl command for your addresses). --no-auth turns the login
off: then anyone who reaches the port gets a shell.

Left out, since a board never runs them (vendor/contents.py says which files):
{left_out}

What each part costs, in bytes (gzip: the part compressed on its own):
    {header}
{costs}

Vendored packages:
{packages}
"""

LISTENERS_FULL = """\
Open the HTTP URL in a browser: the token logs you in (a cookie), and the page
connects to the WebSocket listener by itself (or falls back to long-polling).
Scripts send the header "Authorization: token TOKEN" instead.
"""

LISTENERS_WS = """\
This bundle has the WebSocket listener only (no aiohttp), so the board serves
no page and sets no cookie: a WebSocket client logs in with the URL's
?token=TOKEN, or sends the header "Authorization: token TOKEN". A browser page
served from another host is refused (the Origin check): for the page, take the
full bundle (xwterm-embedded-py36.tar.gz).
"""


def log(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def pip_env():
    """The environment for pip: PyPI only, pure-Python fallbacks forced."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith("PIP_") or k in PIP_ENV_KEEP)
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    for name in NO_EXTENSIONS:
        env[name] = "1"
    env.pop("PYTHONPATH", None)
    return env


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def strip_tree(top):
    """Remove caches, compiled code, C sources and stubs. Returns removed paths."""
    removed = []
    for dirpath, dirnames, filenames in os.walk(top):
        for d in list(dirnames):
            if d == "__pycache__" or (dirpath == top and d == "bin"):
                shutil.rmtree(os.path.join(dirpath, d))
                removed.append(os.path.join(dirpath, d))
                dirnames.remove(d)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if (name.endswith(STRIP_SUFFIXES) or name in STRIP_NAMES
                    or is_elf(path)):
                os.remove(path)
                removed.append(path)
    # Folders left empty (e.g. multidict/_multilib once its headers are gone).
    for dirpath, dirnames, filenames in os.walk(top, topdown=False):
        if dirpath != top and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return removed


def install(index_url):
    """(Re)create vendor/py36 from the pins."""
    staging = TARGET + ".tmp"
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install",
           "--no-deps", "--require-hashes", "--no-compile", "--no-cache-dir",
           "--progress-bar", "off",
           "--index-url", index_url, "--target", staging, "-r", PINS]
    log("$ " + " ".join(cmd))
    subprocess.check_call(cmd, env=pip_env(), cwd=HERE)
    removed = strip_tree(staging)
    compiled = [p for p in removed if p.endswith((".so", ".pyd", ".dll", ".dylib"))]
    for path in compiled:
        log("removed compiled file " + os.path.relpath(path, staging))
    shutil.rmtree(TARGET, ignore_errors=True)
    os.rename(staging, TARGET)


def vendored_versions():
    """[(name, version)] from the dist-info folders of vendor/py36."""
    out = []
    for entry in sorted(os.listdir(TARGET)):
        if entry.endswith(".dist-info"):
            name, version = entry[:-len(".dist-info")].rsplit("-", 1)
            out.append((name, version))
    return out


def package_version():
    with open(os.path.join(ROOT, "xwterm", "__init__.py")) as f:
        match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
    return match.group(1) if match else "unknown"


def collect(source, arcbase):
    """[(arcname, path)] of files under source, skipping caches."""
    files = []
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel_dir = os.path.relpath(dirpath, source)
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            files.append((arcbase + "/" + rel.replace(os.sep, "/"),
                          os.path.join(dirpath, name)))
    return files


def add_bytes(tar, arcname, data, mode, epoch):
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mode = mode
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def add_dir(tar, arcname, epoch):
    info = tarfile.TarInfo(arcname)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info)


def tar_bytes(files, epoch):
    """files: {arcname: bytes or source path}; the .tar.gz, sorted and normalized."""
    dirs = set()
    for arcname in files:
        parts = arcname.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    entries = sorted([(d, None) for d in dirs] + list(files.items()))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0,
                       compresslevel=9) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for arcname, source in entries:
                if source is None:
                    add_dir(tar, arcname, epoch)
                elif isinstance(source, bytes):
                    add_bytes(tar, arcname, source, 0o644, epoch)
                else:
                    with open(source, "rb") as f:
                        data = f.read()
                    mode = 0o755 if os.access(source, os.X_OK) else 0o644
                    add_bytes(tar, arcname, data, mode, epoch)
    return buf.getvalue()


def server_defaults():
    parser = build_parser(prog="miniserver.py")
    return parser.get_default("http"), parser.get_default("ws")


COST_ROW = "    {:<32} {:>5} {:>9} {:>8}"


def readme(name, ws_only, versions, files, dropped, size):
    """The bundle's README-embedded.txt: how to run it and log in, with the sizes and
    costs measured on ``files`` (the bundle without this README), what was left out
    (``dropped``: {arcname: why}) and ``size`` (the .tar.gz with it)."""
    title = "xwterm {} for embedded boards (Python 3.6 or newer, any CPU)".format(
        package_version())
    http_port, ws_port = server_defaults()
    urls = ["    WebSocket: ws://BOARD:{}/?token=TOKEN".format(ws_port)]
    if not ws_only:
        urls.insert(0, "    HTTP:      http://BOARD:{}/?token=TOKEN".format(http_port))
    reasons = sorted(set(dropped.values()), key=str.lower) + [contents.STRIPPED]
    cost_lines = [COST_ROW.format(part, count, raw, packed)
                  for part, count, raw, packed in contents.costs(files)]
    text_without_size = README.format(
        title=title, rule="=" * len(title), name=name, size="{size}",
        size_kib="{size_kib}", unpacked=contents.unpacked_size(files), count=len(files) + 1,
        what=("the websockets package is" if ws_only
              else "aiohttp, websockets and their dependencies are"),
        pip="websockets" if ws_only else "aiohttp websockets",
        urls="\n".join(urls), listeners=LISTENERS_WS if ws_only else LISTENERS_FULL,
        token_env=auth.TOKEN_ENV, token_min=auth.MIN_TOKEN_LENGTH,
        left_out="\n".join("  - " + reason for reason in reasons),
        header=COST_ROW.format("part", "files", "bytes", "gzip").strip(),
        costs="\n".join(cost_lines),
        packages="\n".join("    {} {}".format(n, v) for n, v in versions))
    return text_without_size.replace("{size}", str(size)).replace(
        "{size_kib}", "{:.0f}".format(size / 1024.0)).encode("utf-8")


def all_files():
    """{arcname: path} of everything a bundle could hold."""
    files = {}
    for folder in SOURCE_DIRS:
        for arcname, path in collect(os.path.join(ROOT, folder), folder):
            files[arcname] = path
    for arcname, path in collect(TARGET, "vendor/py36"):
        files[arcname] = path
    return files


def bundle_files(ws_only):
    """``(files, dropped)``: {arcname: source} of one bundle without its README, and
    {arcname: why} of what was left out."""
    files = {}
    for arcname, source in all_files().items():
        top = arcname.split("/")[0]
        if ws_only and top == "web":
            continue    # without aiohttp there is no HTTP listener to serve the page
        if ws_only and arcname.startswith("vendor/py36/") \
                and not WS_ONLY.match(arcname.split("/")[2]):
            continue
        files[arcname] = source
    return contents.select(files, ws_only)


def build_bundles(dist, epoch):
    """Writes both bundles; their READMEs state their own sizes, so each is built until
    the size it states is the size it has (twice, rarely three times; where the stated size
    would flip between two values, with blank lines added at the README's end)."""
    if not os.path.isdir(dist):
        os.makedirs(dist)
    results = []
    for suffix, ws_only in (("", False), ("-ws", True)):
        name = "xwterm-embedded-py36{}.tar.gz".format(suffix)
        files, dropped = bundle_files(ws_only)
        versions = [(n, v) for n, v in vendored_versions()
                    if not ws_only or WS_ONLY.match(n)]
        versions = [(n, v) for n, v in versions
                    if contents.left_out("vendor/py36/%s-%s.dist-info/METADATA" % (n, v),
                                         ws_only) is None]
        versions += [(shim[:-3], "stand-in") for shim in contents.SHIM_FILES if not ws_only]
        size, seen, padding = 0, set(), b""
        for _attempt in range(40):
            files["README-embedded.txt"] = readme(name, ws_only, sorted(versions),
                                                  dict((k, v) for k, v in files.items()
                                                       if k != "README-embedded.txt"),
                                                  dropped, size) + padding
            data = tar_bytes(files, epoch)
            if len(data) == size:
                break
            if len(data) in seen:  # the stated size flips between two values: a blank
                padding += b"\n"  # line more at the end gives it another chance
            seen.add(len(data))
            size = len(data)
        else:
            raise SystemExit("the size in {}'s README does not settle".format(name))
        out_path = os.path.join(dist, name)
        with open(out_path, "wb") as f:
            f.write(data)
        results.append((out_path, len(data), hashlib.sha256(data).hexdigest(),
                        len(files), contents.costs(files)))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-url", default=PYPI,
                        help="package index (default: %(default)s)")
    parser.add_argument("--dist", default=os.path.join(ROOT, "dist"),
                        help="output folder for the bundles (default: dist/)")
    parser.add_argument("--bundles-only", action="store_true",
                        help="reuse the existing vendor/py36 instead of reinstalling it")
    args = parser.parse_args(argv)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))
    if args.bundles_only:
        if not os.path.isdir(TARGET):
            parser.error("vendor/py36 does not exist yet: run without --bundles-only")
    else:
        install(args.index_url)
    log("vendor/py36: " + ", ".join("{} {}".format(n, v) for n, v in vendored_versions()))
    for path, size, digest, count, costs in build_bundles(args.dist, epoch):
        log("{}: {} bytes ({:.0f} KiB), {} files, sha256 {}".format(
            os.path.relpath(path), size, size / 1024.0, count, digest))
        for part, files, raw, packed in costs:
            log("    {:<32} {:>4} files {:>9} bytes {:>8} gzip".format(part, files, raw, packed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
