#!/usr/bin/env python3
"""Checks deploy/ against the built controlroomd, without Docker or a cluster.

Run by deploy_check.sh (ctest process.deploy_check):
    deploy_check.py SOURCE_DIR BUILD_DIR PATH/TO/controlroomd

What it proves, file by file (each problem is one "FAIL: file: why" line):
- every YAML file under deploy/ parses (PyYAML, duplicate keys rejected);
- the configuration each deployment gives controlroomd (Dockerfile ENV,
  compose environment, ConfigMap + Secret, the systemd example config) is
  accepted by the binary itself: it runs `controlroomd serve` with those
  variables against a database socket that does not exist, so configuration
  errors exit 2 and a valid configuration prints its effective values and
  fails to connect (exit 4); those values (port, workers, media port,
  listen address) are what the ports, probes and services are checked against;
- the Dockerfile: stages, build packages equal to scripts/install-deps.sh's
  minus the test/dev-only ones, a Release build without tests of the
  controlroomd target, the COPY of exactly the path the build produces, every
  shared library the binary links installed in the runtime stage, a numeric
  non-root USER, ENTRYPOINT/CMD/HEALTHCHECK running commands that exist in the
  image, EXPOSE matching the configuration; and the build context that
  .dockerignore lets through configures with CMake and has every input of the
  controlroomd target (ninja -n);
- compose and Kubernetes: services, health checks, depends_on, volumes,
  probes on /healthz and /readyz at the container port, UDP ports equal to the
  media port range, non-root read-only security contexts, images and
  commands consistent with the Dockerfile and the binary's subcommands,
  graceful-drain budgets, no committed password.
"""

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

# The configuration key of the first UDP media port (one port per worker).
MEDIA_PORT_KEY = "media_port"
# Packages of scripts/install-deps.sh that the image build does not need.
NOT_FOR_IMAGE_BUILD = {
    "ccache", "git", "curl",  # conveniences of a developer's build
    "libgtest-dev", "libgmock-dev", "libbenchmark-dev",  # tests and benchmarks
    "libopusfile-dev",  # an independent Ogg Opus reader for the recorder tests
    "postgresql-15", "postgresql-client-15",  # the test and run.sh clusters
    "clang-format", "python3-yaml",  # lint and this check
    "openssl",  # run.sh's self-signed certificate
    "clang", "libclang-rt-14-dev",  # the fuzz targets
    "libcli11-dev", "libsndfile1-dev", "portaudio19-dev",  # the controlroom CLI, not the server
    "chromium", "firefox-esr",  # the browser console's tests (the image builds the console: npm)
}
# Variables other than CONTROLROOMD_* that controlroomd may get: libpq's own.
LIBPQ_ENV = {"PGPASSWORD", "PGPASSFILE", "PGSSLMODE", "PGSSLROOTCERT", "PGSSLCERT",
             "PGSSLKEY", "PGCONNECT_TIMEOUT", "PGAPPNAME", "PGTARGETSESSIONATTRS", "TZ"}
NO_DATABASE = "postgresql:///controlroom?host=/nonexistent-controlroom-deploy-check"

failures = []
checked = []


def fail(where, why):
    failures.append(f"{where}: {why}")


def ok(what):
    checked.append(what)


# --- YAML -------------------------------------------------------------------

class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last)."""


def _strict_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def load_yaml(path, rel):
    try:
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]
    except (yaml.YAMLError, OSError) as e:
        fail(rel, f"does not parse as YAML: {e}")
        return None


# --- the binary ---------------------------------------------------------------

class Binary:
    def __init__(self, path):
        self.path = path
        out = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise SystemExit(f"FAIL: {path} --help exited {out.returncode}")
        self.commands, self.keys, section = set(), set(), None
        for line in out.stdout.splitlines():
            if line.startswith("commands:"):
                section = self.commands
            elif line.startswith("configuration"):
                section = self.keys
            elif section is not None and re.match(r"^  [a-z]", line):
                section.add(line.split()[0])
        version = subprocess.run([path, "version"], capture_output=True, text=True, timeout=30)
        lines = version.stdout.splitlines() if version.returncode == 0 else []
        self.version = lines[0].split()[-1] if lines else None
        self.console = lines[1] if len(lines) > 1 else None
        if not self.commands or not self.keys or not self.version:
            raise SystemExit(f"FAIL: cannot read commands, keys or version from {path}")
        needed = subprocess.run(["readelf", "-d", path], capture_output=True, text=True)
        # A sanitizer build (CONTROLROOM_SANITIZE) links its runtime, which a
        # release image never has.
        self.needed = [lib for lib in re.findall(r"Shared library: \[(.+?)\]", needed.stdout)
                       if not re.match(r"lib(a|ub|t|l|hwa)san\.so", lib)]

    def effective_config(self, env, args=()):
        """(config dict, None) if the binary accepts env + args, else (None, error)."""
        full_env = {"PATH": "/usr/bin:/bin"}
        full_env.update(env)
        out = subprocess.run([self.path, "serve", *args, f"--database-url={NO_DATABASE}"],
                             env=full_env, capture_output=True, text=True, timeout=30)
        if out.returncode == 2:
            return None, out.stderr.strip().splitlines()[0]
        if out.returncode != 4:
            return None, (f"controlroomd serve with a missing database exited "
                          f"{out.returncode}, expected 4: {out.stderr.strip()}")
        cfg = dict(re.findall(r"^  ([a-z_]+) = (.*)$", out.stderr, re.M))
        if "port" not in cfg:
            return None, f"no configuration dump in: {out.stderr.strip()}"
        return cfg, None


def check_command_line(where, argv, binary, binary_path, subcommands):
    """argv runs controlroomd: the right path, a known subcommand, known keys."""
    if not argv or argv[0] != binary_path:
        fail(where, f"runs {argv[:1]}, not the image's {binary_path}")
        return
    args = list(argv[1:])
    if not args or args[0].startswith("-"):
        fail(where, "names no subcommand (serve is only the default by accident)")
        return
    if args[0] not in binary.commands:
        fail(where, f"subcommand '{args[0]}' is not one of controlroomd's: "
                    f"{sorted(binary.commands)}")
    elif args[0] not in subcommands:
        fail(where, f"runs '{args[0]}', expected one of {sorted(subcommands)}")
    for a in args[1:]:
        if a.startswith("--") and "=" in a:
            key = a[2:].split("=", 1)[0].replace("-", "_")
            if key not in binary.keys and key != "config":
                fail(where, f"flag --{key} is not a configuration key")


# --- Debian packages (what exists in the image) --------------------------------

def dpkg_owner(path):
    for p in (path, os.path.realpath(path), "/usr" + path):
        out = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if not line.startswith("diversion"):
                return line.split(":")[0].split(",")[0].strip()
    return None


_base = None


def base_image_packages():
    """What a debian slim image has: Essential and required packages and their dependencies."""
    global _base
    if _base is None:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\n"],
            capture_output=True, text=True, check=True)
        deps, todo = {}, []
        for line in out.stdout.splitlines():
            name, essential, priority, depends = line.split("\t")
            deps[name] = [re.split(r"[\s(:]", alt.strip())[0]
                          for group in depends.split(",") if group.strip()
                          for alt in group.split("|")[:1]]
            if essential == "yes" or priority == "required":
                todo.append(name)
        _base = set()
        while todo:
            p = todo.pop()
            if p not in _base:
                _base.add(p)
                todo.extend(d for d in deps.get(p, []) if d)
    return _base


def image_has(where, command, runtime_packages, binary_path):
    if command == binary_path:
        return
    path = command if command.startswith("/") else shutil.which(command)
    owner = dpkg_owner(path) if path else None
    if owner is None:
        fail(where, f"runs '{command}', which no Debian package here provides")
    elif owner not in runtime_packages and owner not in base_image_packages():
        fail(where, f"runs '{command}' (package {owner}), which the runtime stage does not install")


# --- Dockerfile ---------------------------------------------------------------

def parse_dockerfile(text):
    """[(instruction, argument text)], continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            word, _, rest = current.strip().partition(" ")
            lines.append((word.upper(), rest.strip()))
        current = ""
    return lines


def apt_packages(run_args):
    packages = []
    for cmd in re.split(r"&&|;", run_args):
        words = shlex.split(cmd)
        if "apt-get" in words and "install" in words:
            packages += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
    return packages


def parse_env(args):
    if "=" not in args.split()[0]:
        key, _, value = args.partition(" ")
        return {key: value.strip()}
    return dict(w.split("=", 1) for w in shlex.split(args))


def expand(text, env):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), text)


def install_deps_packages(src):
    text = open(os.path.join(src, "scripts/install-deps.sh"), encoding="utf-8").read()
    m = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    if not m:
        return set()
    body = "\n".join(line.split("#", 1)[0] for line in m.group(1).splitlines())
    return set(body.split())


def check_dockerfile(src, build_dir, binary):
    rel = "deploy/Dockerfile"
    text = open(os.path.join(src, rel), encoding="utf-8").read()
    instructions = parse_dockerfile(text)
    args, stages = {}, []
    for word, rest in instructions:
        if word == "ARG" and not stages:
            k, _, v = rest.partition("=")
            args[k] = v
        elif word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?$", rest, re.I)
            stages.append({"image": expand(m.group(1), args), "name": m.group(2), "ins": []})
        elif stages:
            stages[-1]["ins"].append((word, rest))
    if len(stages) < 2:
        fail(rel, f"{len(stages)} stage(s); expected a build and a runtime stage")
        return None
    for s in stages:
        if not re.match(r"debian:(bookworm|12)\b", s["image"]):
            fail(rel, f"stage {s['name']} is based on {s['image']}, not Debian 12")
    build, runtime = stages[0], stages[-1]

    # Build stage: the same packages as install-deps.sh, a Release build without tests.
    build_pkgs = set()
    for word, rest in build["ins"]:
        if word == "RUN":
            build_pkgs |= set(apt_packages(rest))
    expected = install_deps_packages(src) - NOT_FOR_IMAGE_BUILD
    if build_pkgs != expected:
        fail(rel, "build-stage packages differ from scripts/install-deps.sh (less "
                  f"NOT_FOR_IMAGE_BUILD in {os.path.basename(__file__)}): missing "
                  f"{sorted(expected - build_pkgs)}, not in install-deps.sh "
                  f"{sorted(build_pkgs - expected)}")
    cmake_cfg = cmake_build = None
    steps = []  # every shell command of the build stage's RUNs, in order
    for word, rest in build["ins"]:
        if word != "RUN":
            continue
        for cmd in re.split(r"&&|;", rest):
            words = shlex.split(cmd)
            steps.append(words)
            if words[:1] == ["cmake"] and "-S" in words:
                cmake_cfg = words
            elif words[:2] == ["cmake", "--build"]:
                cmake_build = words
    if not cmake_cfg or not cmake_build:
        fail(rel, "the build stage runs no `cmake -S ... -B ...` and `cmake --build`")
        return None
    # The browser console is compiled in from web/'s npm packages: they must
    # be installed (runtime ones only) before the configure, and the build
    # must prove the console made it in (`controlroomd version`).
    npm = [i for i, w in enumerate(steps) if w[:2] == ["npm", "ci"]]
    if not npm or npm[0] > steps.index(cmake_cfg) or "--omit=dev" not in steps[npm[0]]:
        fail(rel, "the build stage does not run `npm ci --omit=dev` (in web/) before the "
                  "cmake configure: the image would lack the browser console")
    if not any("browser console: included" in " ".join(w) for w in steps):
        fail(rel, "the build stage does not check `controlroomd version` for "
                  "'browser console: included'")
    if not (binary.console or "").startswith("browser console: "):
        fail(rel, f"`controlroomd version` does not say whether the console is built in: "
                  f"{binary.console!r}")
    for flag in ("-DCMAKE_BUILD_TYPE=Release", "-DCONTROLROOM_BUILD_TESTS=OFF"):
        if flag not in cmake_cfg:
            fail(rel, f"the build stage's cmake lacks {flag}")
    if "--target" not in cmake_build or cmake_build[cmake_build.index("--target") + 1] != "controlroomd":
        fail(rel, "the build stage does not build --target controlroomd")
    image_build_dir = cmake_cfg[cmake_cfg.index("-B") + 1]
    produced = image_build_dir.rstrip("/") + "/" + os.path.relpath(
        os.path.realpath(binary.path), os.path.realpath(build_dir))

    # Runtime stage.
    runtime_pkgs, env, user, uid, copied, expose = set(), {}, None, None, {}, []
    entrypoint = cmd = healthcheck = None
    for word, rest in runtime["ins"]:
        if word == "RUN":
            runtime_pkgs |= set(apt_packages(rest))
            m = re.search(r"useradd\b[^&;]*--uid\s+(\d+)", rest)
            uid = int(m.group(1)) if m else uid
        elif word == "COPY" and rest.startswith("--from="):
            parts = rest.split()
            copied[parts[-1]] = (parts[0].split("=", 1)[1], parts[1])
        elif word == "USER":
            user = rest
        elif word == "ENV":
            env.update(parse_env(rest))
        elif word == "EXPOSE":
            expose += rest.split()
        elif word == "ENTRYPOINT":
            entrypoint = yaml.safe_load(rest)
        elif word == "CMD":
            cmd = yaml.safe_load(rest)
        elif word == "HEALTHCHECK":
            healthcheck = rest
    for pkg in runtime_pkgs:
        if pkg.endswith("-dev") or pkg in {"build-essential", "cmake", "ninja-build", "g++"}:
            fail(rel, f"the runtime stage installs the build tool or -dev package {pkg}")
    if not isinstance(entrypoint, list) or not entrypoint:
        fail(rel, "no exec-form ENTRYPOINT")
        return None
    binary_path = entrypoint[0]
    if binary_path not in copied:
        fail(rel, f"ENTRYPOINT {binary_path} is not copied into the runtime stage")
    elif copied[binary_path] != (build["name"], produced):
        fail(rel, f"{binary_path} is copied from {copied[binary_path]}, but the build "
                  f"stage '{build['name']}' produces the binary at {produced}")
    check_command_line(f"{rel} ENTRYPOINT+CMD", entrypoint + (cmd or []), binary,
                       binary_path, {"serve"})
    for lib in binary.needed:
        owner = dpkg_owner(f"/lib/x86_64-linux-gnu/{lib}") or dpkg_owner(f"/usr/lib/x86_64-linux-gnu/{lib}") \
            or dpkg_owner(f"/lib64/{lib}")
        if owner is None:
            fail(rel, f"cannot tell which package provides {lib}, which controlroomd links")
        elif owner not in runtime_pkgs and owner not in base_image_packages():
            fail(rel, f"controlroomd links {lib} from package {owner}, which the runtime stage does not install")
    if user is None:
        fail(rel, "the runtime stage sets no USER: it would run as root")
    else:
        name = user.split(":")[0]
        if not name.isdigit():
            fail(rel, f"USER {user} is not numeric: Kubernetes' runAsNonRoot cannot verify it")
        elif int(name) == 0:
            fail(rel, "USER is root")
        elif uid is not None and int(name) != uid:
            fail(rel, f"USER {name} is not the uid {uid} that useradd creates")
        uid = int(name) if name.isdigit() else uid
    cfg, err = binary.effective_config({k: v for k, v in env.items() if k.startswith("CONTROLROOMD_")})
    if err:
        fail(rel, f"controlroomd rejects the image's ENV: {err}")
        return None
    if healthcheck is None:
        fail(rel, "no HEALTHCHECK")
    else:
        words = shlex.split(healthcheck[healthcheck.index("CMD") + 3:])
        image_has(f"{rel} HEALTHCHECK", words[0], runtime_pkgs, binary_path)
        url = expand(healthcheck, env)
        if f"127.0.0.1:{cfg['port']}/healthz" not in url:
            fail(rel, f"HEALTHCHECK does not ask 127.0.0.1:{cfg['port']}/healthz: {url}")
    check_container_ports(rel + " EXPOSE", cfg, [
        (int(p.split("/")[0].split("-")[0]) + i, (p.split("/") + ["tcp"])[1].upper())
        for p in expose
        for i in range(int(p.split("/")[0].split("-")[-1]) - int(p.split("/")[0].split("-")[0]) + 1)])
    ok(f"{rel}: {len(stages)} stages, runtime user {uid}, {len(binary.needed)} linked libraries installed")
    return {"binary": binary_path, "env": env, "uid": uid, "runtime_pkgs": runtime_pkgs,
            "build_dir": image_build_dir, "cmake_cfg": cmake_cfg, "cfg": cfg}


def media_ports(cfg):
    if MEDIA_PORT_KEY not in cfg:
        return None
    first, workers = int(cfg[MEDIA_PORT_KEY]), int(cfg["workers"])
    return {(first + i, "UDP") for i in range(workers)}


def check_container_ports(where, cfg, ports):
    """ports: [(number, 'TCP'|'UDP')] a container offers; cfg: what controlroomd binds."""
    if cfg.get("listen_address") not in ("0.0.0.0", "::"):
        fail(where, f"listen_address is {cfg.get('listen_address')}: nothing outside the "
                    "container could connect (set CONTROLROOMD_LISTEN_ADDRESS=0.0.0.0)")
    if cfg.get("workers") == "0":
        fail(where, "workers is 0 (one per core): the UDP port range would depend on the host; set it")
    if (int(cfg["port"]), "TCP") not in ports:
        fail(where, f"TCP port {cfg['port']} (the configured port) is not offered: {sorted(ports)}")
    if cfg.get(MEDIA_PORT_KEY) == "0":
        fail(where, f"{MEDIA_PORT_KEY} is 0 (any free port): nothing could publish the UDP ports; set it")
    want = media_ports(cfg)
    if want is None:
        fail(where, f"controlroomd has no '{MEDIA_PORT_KEY}' key; cannot tell its UDP ports")
    elif {p for p in ports if p[1] == "UDP"} != want:
        fail(where, f"UDP ports {sorted(p[0] for p in ports if p[1] == 'UDP')} are not the media "
                    f"ports {sorted(p[0] for p in want)} ({MEDIA_PORT_KEY} .. +workers-1)")


def dockerignored(rel_path, patterns):
    excluded = False
    parts = rel_path.split("/")
    for negate, pat in patterns:
        for n in range(1, len(parts) + 1):
            prefix = "/".join(parts[:n])
            if fnmatch.fnmatchcase(prefix, pat) or (pat.startswith("**/") and
                                                     fnmatch.fnmatchcase(parts[n - 1], pat[3:])):
                excluded = not negate
                break
    return excluded


def check_build_context(src, docker):
    """Configure the project from what .dockerignore lets through, as the build stage does."""
    rel = ".dockerignore"
    patterns = []
    for line in open(os.path.join(src, rel), encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            negate = line.startswith("!")
            patterns.append((negate, line.lstrip("!").strip("/")))
    with tempfile.TemporaryDirectory(prefix="controlroom-deploy-check.") as tmp:
        ctx = os.path.join(tmp, "src")
        # Like Docker, walk the file system (not git); skip excluded directories
        # unless an exception pattern could bring something inside them back.
        prune = not any(negate for negate, _ in patterns)
        files = []
        for dirpath, dirnames, names in os.walk(src):
            rel_dir = os.path.relpath(dirpath, src)
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            if prune:
                dirnames[:] = [d for d in dirnames if not dockerignored(rel_dir + d, patterns)]
            files += [rel_dir + n for n in names if not dockerignored(rel_dir + n, patterns)]
        for f in files:
            os.makedirs(os.path.dirname(os.path.join(ctx, f)), exist_ok=True)
            shutil.copy2(os.path.join(src, f), os.path.join(ctx, f), follow_symlinks=False)
        build = os.path.join(tmp, "build")
        cfg = list(docker["cmake_cfg"])
        cfg[cfg.index("-S") + 1] = ctx
        cfg[cfg.index("-B") + 1] = build
        out = subprocess.run(cfg + ["-DCMAKE_CXX_COMPILER_LAUNCHER="], capture_output=True,
                             text=True, timeout=240)
        if out.returncode != 0:
            tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
            fail(rel, f"the image's build context (what .dockerignore lets through) does not "
                      f"configure with the Dockerfile's cmake flags:\n{tail}")
            return
        dry = subprocess.run(["ninja", "-C", build, "-n", "controlroomd"],
                             capture_output=True, text=True, timeout=120)
        if dry.returncode != 0:
            fail(rel, "the image's build context lacks inputs of controlroomd: "
                      + (dry.stdout + dry.stderr).strip().splitlines()[-1])
            return
    ok(f"{rel}: the build context configures and has every input of controlroomd ({len(files)} files in the context)")


# --- compose --------------------------------------------------------------------

def interpolate(value, env, where):
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        if env.get(name):
            return env[name]
        if op.endswith("?"):
            fail(where, f"${{{name}}} is required and deploy/.env.example does not set it")
            return ""
        return arg if op.endswith("-") else ""
    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", sub, value)


def duration_seconds(text):
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text)):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


def check_env_names(where, names):
    for n in names:
        if not n.startswith("CONTROLROOMD_") and n not in LIBPQ_ENV:
            fail(where, f"sets {n}, which is neither CONTROLROOMD_<key> nor a libpq variable")


def check_compose(src, binary, docker, version, drain):
    rel = "deploy/compose.yaml"
    docs = load_yaml(os.path.join(src, rel), rel)
    if not docs:
        return
    compose = docs[0]
    env_example = {}
    for line in open(os.path.join(src, "deploy/.env.example"), encoding="utf-8"):
        if "=" in line and not line.lstrip().startswith("#"):
            k, _, v = line.strip().partition("=")
            env_example[k] = v
    services = compose.get("services") or {}
    volumes = compose.get("volumes") or {}
    pg, crd = services.get("postgres"), services.get("controlroomd")
    if not pg or not crd:
        fail(rel, "needs services 'postgres' and 'controlroomd'")
        return
    if not str(pg.get("image", "")).startswith("postgres:15"):
        fail(rel, f"postgres runs {pg.get('image')}, not PostgreSQL 15")
    pg_env = pg.get("environment") or {}
    raw_password = str(pg_env.get("POSTGRES_PASSWORD", ""))
    if "POSTGRES_PASSWORD_FILE" not in pg_env and "${" not in raw_password:
        fail(rel, "POSTGRES_PASSWORD is a literal in the file: take it from deploy/.env or a secret")
    for name, svc in services.items():
        if not (svc.get("healthcheck") or {}).get("test"):
            fail(rel, f"service {name} has no healthcheck")
        for v in svc.get("volumes") or []:
            source = str(v).split(":")[0]
            if not source.startswith((".", "/")) and source not in volumes:
                fail(rel, f"service {name} mounts volume '{source}', which is not declared")
    if not any(str(v).endswith(":/var/lib/postgresql/data") for v in pg.get("volumes") or []):
        fail(rel, "postgres keeps its data in no volume (/var/lib/postgresql/data)")
    dep = (crd.get("depends_on") or {})
    if not isinstance(dep, dict) or (dep.get("postgres") or {}).get("condition") != "service_healthy":
        fail(rel, "controlroomd does not depend on postgres with condition service_healthy")
    build = crd.get("build") or {}
    context = os.path.normpath(os.path.join(src, "deploy", build.get("context", ".")))
    if context != os.path.normpath(src) or build.get("dockerfile") != "deploy/Dockerfile":
        fail(rel, "controlroomd is not built from the repository root with deploy/Dockerfile")
    if str(crd.get("image", "")).rpartition(":")[2] != version:
        fail(rel, f"image {crd.get('image')} is not tagged with the version {version}")
    env = {k: interpolate(str(v), env_example, rel) for k, v in (crd.get("environment") or {}).items()}
    check_env_names(rel, env)
    merged = dict(docker["env"])
    merged.update({k: v for k, v in env.items() if k.startswith("CONTROLROOMD_")})
    cfg, err = binary.effective_config({k: v for k, v in merged.items() if k.startswith("CONTROLROOMD_")})
    if err:
        fail(rel, f"controlroomd rejects its environment: {err}")
        return
    published = []
    for p in crd.get("ports") or []:
        m = re.match(r"^(?:[\d.]+:)?(?:(\d+)(?:-(\d+))?:)?(\d+)(?:-(\d+))?(?:/(tcp|udp))?$", str(p))
        if not m:
            fail(rel, f"cannot read the port mapping '{p}'")
            continue
        h0, h1, c0, c1, proto = m.groups()
        c0, c1 = int(c0), int(c1 or c0)
        proto = (proto or "tcp").upper()
        if proto == "UDP" and h0 and (int(h0), int(h1 or h0)) != (c0, c1):
            fail(rel, f"UDP mapping '{p}' renumbers the ports; the server announces its own numbers")
        published += [(c, proto) for c in range(c0, c1 + 1)]
    check_container_ports(f"{rel} controlroomd ports", cfg, published)
    test = crd["healthcheck"]["test"]
    argv = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c"] + test[1:]
    image_has(f"{rel} controlroomd healthcheck", argv[0], docker["runtime_pkgs"], docker["binary"])
    if f"127.0.0.1:{cfg['port']}/healthz" not in " ".join(argv):
        fail(rel, f"the controlroomd healthcheck does not ask 127.0.0.1:{cfg['port']}/healthz")
    if "command" in crd:
        command = crd["command"] if isinstance(crd["command"], list) else shlex.split(crd["command"])
        check_command_line(f"{rel} command", [docker["binary"]] + command, binary,
                           docker["binary"], {"serve"})
    if duration_seconds(crd.get("stop_grace_period", "10s")) < drain:
        fail(rel, f"stop_grace_period {crd.get('stop_grace_period', '10s (default)')} is shorter "
                  f"than the {drain:g} s drain budget")
    if not crd.get("read_only"):
        fail(rel, "controlroomd's root filesystem is not read_only")
    ok(f"{rel}: {len(services)} services, ports {sorted(published)}")


# --- Kubernetes -------------------------------------------------------------------

def check_k8s(src, binary, docker, version, drain):
    base = os.path.join(src, "deploy/k8s")
    objects, files = [], sorted(f for f in os.listdir(base) if f.endswith((".yaml", ".yml")))
    for f in files:
        docs = load_yaml(os.path.join(base, f), f"deploy/k8s/{f}")
        for d in docs or []:
            if not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind") or (
                    d["kind"] != "Kustomization" and not (d.get("metadata") or {}).get("name")):
                fail(f"deploy/k8s/{f}", "a document lacks apiVersion, kind or metadata.name")
                continue
            objects.append((f, d))
    kust = [d for f, d in objects if d["kind"] == "Kustomization"]
    if not kust:
        fail("deploy/k8s", "no kustomization.yaml")
        return
    resources = kust[0].get("resources") or []
    for r in resources:
        if not os.path.isfile(os.path.join(base, r)):
            fail("deploy/k8s/kustomization.yaml", f"lists {r}, which does not exist")
    for f in files:
        if f not in resources and f != "kustomization.yaml" and ".example." not in f:
            fail("deploy/k8s/kustomization.yaml", f"does not list {f}")
    by_kind = {}
    for f, d in objects:
        by_kind.setdefault(d["kind"], []).append((f, d))
    for kind in ("Namespace", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"):
        if kind not in by_kind:
            fail("deploy/k8s", f"no {kind}")
    if failures:
        return
    f_dep, dep = by_kind["Deployment"][0]
    where = f"deploy/k8s/{f_dep}"
    spec, pod = dep["spec"], dep["spec"]["template"]["spec"]
    labels = dep["spec"]["template"]["metadata"].get("labels") or {}

    def selects(selector):
        return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

    if not selects(spec["selector"].get("matchLabels")):
        fail(where, "the selector does not match the pod template's labels")
    if spec.get("replicas", 1) > 1 or (spec.get("strategy") or {}).get("type") != "Recreate":
        fail(where, "must run one replica with strategy Recreate: several nodes need session "
                    "leases, which are not built yet")
    if pod.get("enableServiceLinks", True):
        for f, svc in by_kind["Service"]:
            env_prefix = svc["metadata"]["name"].upper().replace("-", "_") + "_"
            if env_prefix.startswith("CONTROLROOMD_"):
                fail(where, f"service links put {env_prefix}PORT etc. into the environment "
                            f"(Service {svc['metadata']['name']}), which controlroomd rejects")
    psc = pod.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        fail(where, "pod securityContext.runAsNonRoot is not true")
    if psc.get("runAsUser") in (None, 0) or psc.get("runAsUser") != docker["uid"]:
        fail(where, f"runAsUser {psc.get('runAsUser')} is not the image's user {docker['uid']}")

    configmaps = {d["metadata"]["name"]: d.get("data") or {} for _, d in by_kind["ConfigMap"]}
    secrets = {d["metadata"]["name"]: {**(d.get("stringData") or {}), **(d.get("data") or {})}
               for _, d in by_kind["Secret"]}
    containers = [("initContainer", c) for c in pod.get("initContainers") or []] + \
                 [("container", c) for c in pod.get("containers") or []]
    main_cfg, main = None, None
    for role, c in containers:
        cw = f"{where} {role} {c.get('name')}"
        image = str(c.get("image", ""))
        if image.rpartition(":")[0].rsplit("/", 1)[-1] != "controlroomd" or \
                image.rpartition(":")[2] != version:
            fail(cw, f"image {image} is not controlroomd:{version}")
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False or sc.get("readOnlyRootFilesystem") is not True \
                or "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            fail(cw, "securityContext must forbid privilege escalation, make the root read-only "
                     "and drop ALL capabilities")
        if sc.get("runAsUser") == 0 or sc.get("runAsNonRoot") is False:
            fail(cw, "runs as root")
        res = c.get("resources") or {}
        if not (res.get("requests") or {}).get("memory") or not (res.get("limits") or {}).get("memory"):
            fail(cw, "has no memory request and limit")
        env = {}
        for ref in c.get("envFrom") or []:
            if "configMapRef" in ref:
                name = ref["configMapRef"]["name"]
                if name not in configmaps:
                    fail(cw, f"takes its environment from ConfigMap {name}, which is not defined")
                env.update(configmaps.get(name, {}))
            if "secretRef" in ref:
                name = ref["secretRef"]["name"]
                if name not in secrets:
                    fail(cw, f"takes its environment from Secret {name}, which is not defined")
                env.update(secrets.get(name, {}))
        for e in c.get("env") or []:
            env[e["name"]] = str(e.get("value", "(from a reference)"))
        check_env_names(cw, env)
        merged = dict(docker["env"])
        merged.update(env)
        cfg, err = binary.effective_config({k: str(v) for k, v in merged.items()
                                            if k.startswith("CONTROLROOMD_")})
        if err:
            fail(cw, f"controlroomd rejects its environment: {err}")
            continue
        argv = (c.get("command") or [docker["binary"]]) + (c.get("args") or [])
        check_command_line(cw, argv, binary, docker["binary"],
                           {"migrate"} if role == "initContainer" else {"serve"})
        if role == "container":
            main_cfg, main = cfg, c
    if not any((c.get("command") or [None, None])[1:2] == ["migrate"] for r, c in containers
               if r == "initContainer"):
        fail(where, "no initContainer runs `controlroomd migrate`")
    if main is None or main_cfg is None:
        if main is None:
            fail(where, "no controlroomd container")
        return

    ports = main.get("ports") or []
    named = {p["name"]: p["containerPort"] for p in ports if "name" in p}
    check_container_ports(f"{where} container ports", main_cfg,
                          [(p["containerPort"], p.get("protocol", "TCP")) for p in ports])

    def resolve(port):
        return named.get(port) if isinstance(port, str) else port

    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"),
                        ("startupProbe", "/healthz")):
        p = main.get(probe)
        if p is None:
            if probe != "startupProbe":
                fail(where, f"no {probe}")
            continue
        get = p.get("httpGet") or {}
        if get.get("path") != path or resolve(get.get("port")) != int(main_cfg["port"]):
            fail(where, f"{probe} asks {get.get('path')} on port {get.get('port')}, "
                        f"expected {path} on {main_cfg['port']}")
    pre = ((main.get("lifecycle") or {}).get("preStop") or {}).get("exec", {}).get("command")
    pre_stop = 0.0
    if pre:
        image_has(f"{where} preStop", pre[0], docker["runtime_pkgs"], docker["binary"])
        if os.path.basename(pre[0]) == "sleep":
            pre_stop = float(pre[1])
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace < pre_stop + drain:
        fail(where, f"terminationGracePeriodSeconds {grace} < preStop {pre_stop:g} s + "
                    f"drain budget {drain:g} s")

    tcp_svc = udp_svc = 0
    for f, svc in by_kind["Service"]:
        sw = f"deploy/k8s/{f}"
        if not selects(svc["spec"].get("selector")):
            fail(sw, "its selector does not match the controlroomd pods")
        sports = svc["spec"].get("ports") or []
        protos = {p.get("protocol", "TCP") for p in sports}
        if protos == {"TCP"}:
            tcp_svc += 1
            if not any(resolve(p.get("targetPort", p["port"])) == int(main_cfg["port"]) for p in sports):
                fail(sw, f"does not lead to the container's port {main_cfg['port']}")
        elif protos == {"UDP"}:
            udp_svc += 1
            for p in sports:
                if resolve(p.get("targetPort", p["port"])) != p["port"]:
                    fail(sw, f"UDP port {p['port']} leads to {p.get('targetPort')}; they must be "
                             "equal because the server announces its own port numbers")
            want = media_ports(main_cfg) or set()
            if {p["port"] for p in sports} != {w[0] for w in want}:
                fail(sw, f"UDP ports {sorted(p['port'] for p in sports)} are not the media ports "
                         f"{sorted(w[0] for w in want)}")
        else:
            fail(sw, f"mixes protocols {sorted(protos)}; keep one Service for TCP and one for UDP")
    if tcp_svc < 1 or udp_svc < 1:
        fail("deploy/k8s", "needs one Service for TCP and one for UDP")
    for f, pdb in by_kind["PodDisruptionBudget"]:
        pw = f"deploy/k8s/{f}"
        if not selects((pdb["spec"].get("selector") or {}).get("matchLabels")):
            fail(pw, "its selector does not match the controlroomd pods")
        if "minAvailable" in pdb["spec"] and pdb["spec"]["minAvailable"] >= spec.get("replicas", 1):
            fail(pw, "minAvailable >= replicas blocks every node drain")
        if "minAvailable" not in pdb["spec"] and "maxUnavailable" not in pdb["spec"]:
            fail(pw, "sets neither minAvailable nor maxUnavailable")
    kubectl = shutil.which("kubectl")
    if kubectl:
        out = subprocess.run([kubectl, "kustomize", base], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            fail("deploy/k8s/kustomization.yaml", f"kubectl kustomize fails: {out.stderr.strip()}")
        else:
            ok("deploy/k8s: kubectl kustomize builds")
    ok(f"deploy/k8s: {len(objects)} objects, probes on port {main_cfg['port']}, "
       f"UDP {sorted(w[0] for w in media_ports(main_cfg) or [])}")


# --- systemd --------------------------------------------------------------------

def check_systemd(src, binary):
    rel = "deploy/controlroomd.service"
    unit = {}
    for line in open(os.path.join(src, rel), encoding="utf-8"):
        if "=" in line and not line.startswith(("#", ";")):
            k, _, v = line.strip().partition("=")
            unit.setdefault(k, []).append(v)
    exec_start = shlex.split(unit.get("ExecStart", [""])[0])
    check_command_line(f"{rel} ExecStart", exec_start, binary, exec_start[0] if exec_start else "",
                       {"serve"})
    if "--config" in exec_start:
        example = os.path.join(src, "deploy/controlroomd.conf.example")
        cfg, err = binary.effective_config({}, ["--config", example])
        if err:
            fail("deploy/controlroomd.conf.example", f"controlroomd rejects it: {err}")
    if unit.get("User", ["root"])[0] == "root" and unit.get("DynamicUser", ["no"])[0] != "yes":
        fail(rel, "runs as root")
    drain = duration_seconds(unit.get("TimeoutStopSec", ["90s"])[0] + (
        "s" if unit.get("TimeoutStopSec", ["90"])[0].isdigit() else ""))
    keys = [k for k in binary.keys if re.search(r"(drain|shutdown|stop)", k)]
    for key in keys:
        cfg, _ = binary.effective_config({})
        if cfg and key in cfg and key.endswith("_ms") and float(cfg[key]) / 1000 > drain:
            fail(rel, f"TimeoutStopSec {drain:g} s is shorter than {key} = {cfg[key]}")
    ok(f"{rel}: ExecStart runs a known subcommand, drain budget {drain:g} s")
    return drain


def main():
    src, build_dir, bin_path = sys.argv[1:4]
    binary = Binary(bin_path)
    m = re.search(r"project\(controlroom VERSION (\S+)", open(os.path.join(src, "CMakeLists.txt")).read())
    version = m.group(1) if m else None
    if version != binary.version:
        fail("CMakeLists.txt", f"project version {version} is not the binary's {binary.version}")
    for dirpath, _, names in os.walk(os.path.join(src, "deploy")):
        for n in names:
            if n.endswith((".yaml", ".yml")):
                load_yaml(os.path.join(dirpath, n), os.path.relpath(os.path.join(dirpath, n), src))
    drain = check_systemd(src, binary)
    docker = check_dockerfile(src, build_dir, binary)
    if docker:
        check_compose(src, binary, docker, version, drain)
        check_k8s(src, binary, docker, version, drain)
        if "--no-context" not in sys.argv:
            check_build_context(src, docker)
    for c in checked:
        print(f"ok: {c}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if failures:
        print(f"deploy check: {len(failures)} problem(s)", file=sys.stderr)
        return 1
    print("deploy check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
