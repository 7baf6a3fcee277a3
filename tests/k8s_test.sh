#!/usr/bin/env bash
# Checks the Kubernetes manifests in deploy/k8s without a cluster:
#
#   tests/k8s_test.sh BUILD_DIR
#
# * every YAML document in deploy/k8s parses (python3 with PyYAML, Debian's
#   python3-yaml; installed with apt-get when missing and we are root);
# * every container runs one of the six programs, and its args (and each
#   probe's and hook's precis command) use only options that the program's
#   --help (BUILD_DIR/bin) lists; then the program, run with the container's
#   args and --help appended, accepts them (values included: options are
#   parsed in order, so a bad one fails before --help is reached);
# * the wiring: each Service selects a pod template and names container
#   ports that exist there; the hub binds every port of the internal Service
#   on tcp://*:PORT; the workers connect to tcp://precis-hub:PORT for ports
#   the internal Service has; the hub's terminationGracePeriodSeconds is
#   above ingest's --drain; every container has a memory limit (workers:
#   50Mi; the sink's covers its stories index), a liveness and a readiness probe, metrics on a named port with the
#   pod's prometheus.io annotations and a tagged image, and runs as non-root;
# * with kubectl installed: 'kubectl kustomize deploy/k8s' renders (offline;
#   nothing is sent to a cluster), with the relay in the hub and ingest
#   given --no-forward (the default); and with the no-relay component
#   (deploy/k8s/no-relay) added, rendered, the same checks hold, ingest
#   binds the normalized and summarize endpoints and no relay runs.
#
# Exit codes: 0 passed, 1 failed, 2 usage, 77 skipped (no python3 with PyYAML).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build_dir=$(cd "$1" && pwd)

skip() { echo "k8s_test: SKIP: $*" >&2; exit 77; }

python=""
for candidate in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "k8s_test: PyYAML is missing; installing Debian's python3-yaml" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-yaml \
        >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                python3-yaml >/dev/null 2>&1; } || true
    /usr/bin/python3 -c 'import yaml' 2>/dev/null && python=/usr/bin/python3
fi
[ -n "$python" ] || skip "python3 with PyYAML is not available (Debian package python3-yaml; install it as root)"

for program in precis-ingest precis-sink precis-normalize precis-summarize precis-relay precis; do
    [ -x "$build_dir/bin/$program" ] || { echo "k8s_test: FAIL: $build_dir/bin/$program is missing (build first)" >&2; exit 1; }
done

status=0
# The checks below on the YAML files in a directory.
check_manifests() { # dir
"$python" - "$1" "$build_dir/bin" <<'PY'

import glob, os, re, subprocess, sys
import yaml

k8s_dir, bin_dir = sys.argv[1], sys.argv[2]
PROGRAMS = {"precis-ingest", "precis-sink", "precis-normalize", "precis-summarize", "precis-relay",
            "precis"}
failures = []
def fail(message):
    failures.append(message)
    print("k8s_test: FAIL: " + message, file=sys.stderr)

# 1. Every document parses.
documents = []
files = sorted(glob.glob(os.path.join(k8s_dir, "*.yaml")) + glob.glob(os.path.join(k8s_dir, "*.yml")))
if not files:
    fail("no YAML files in " + k8s_dir)
for path in files:
    name = os.path.basename(path)
    try:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        fail("%s does not parse: %s" % (name, e))
        continue
    for doc in docs:
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            fail("%s: a document without apiVersion and kind" % name)
            continue
        if doc["kind"] != "Kustomization" and not (doc.get("metadata") or {}).get("name"):
            fail("%s: a %s without metadata.name" % (name, doc["kind"]))
        documents.append((name, doc))
print("k8s_test: %d YAML document(s) in %d file(s) parse" % (len(documents), len(files)))

# The options each program's --help lists.
help_cache = {}
def options_of(argv0, subcommand=None):
    key = (argv0, subcommand)
    if key not in help_cache:
        cmd = [os.path.join(bin_dir, argv0)] + ([subcommand] if subcommand else []) + ["--help"]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        # {option: True when it takes a value ("--timeout SECONDS")}
        help_cache[key] = {m.group(1): bool(m.group(2)) for m in
                           re.finditer(r"(?<![\w-])(--[a-z][a-z0-9-]*)( [A-Z][A-Z_]*)?", out)}
    return help_cache[key]

def check_command(where, argv):
    """argv: a precis program and its arguments, as a container runs them."""
    program = argv[0]
    if program not in PROGRAMS:
        fail("%s: runs %r, not one of %s" % (where, program, sorted(PROGRAMS)))
        return
    sub = None
    rest = list(argv[1:])
    if program == "precis":
        if not rest or rest[0].startswith("-"):
            fail("%s: 'precis' without a subcommand" % where)
            return
        sub = rest.pop(0)
    known = options_of(program, sub)
    if not known:
        fail("%s: %s%s --help lists no options" % (where, program, " " + sub if sub else ""))
        return
    for arg in rest:
        if arg.startswith("--"):
            option = arg.split("=", 1)[0]
            if option not in known:
                fail("%s: %s is not an option of %s%s (its --help lists %s)"
                     % (where, option, program, " " + sub if sub else "", " ".join(sorted(known))))
    # The values too: the program parses every option before --help, which
    # goes before the first operand (option parsing stops there).
    at = 0
    while at < len(rest) and rest[at].startswith("-"):
        takes_value = "=" not in rest[at] and known.get(rest[at], False)
        at += 2 if takes_value else 1
    cmd = [os.path.join(bin_dir, program)] + ([sub] if sub else []) + rest[:at] + ["--help"] + rest[at:]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        fail("%s: %s refuses %s: %s" % (where, program, " ".join(rest), run.stderr.strip()))

def pod_specs():
    for name, doc in documents:
        if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield name, doc, doc["spec"]["template"]

def option_value(args, option):
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None

def mebibytes(quantity):
    """A Kubernetes memory quantity (512Mi, 1.5Gi, 600M) in MiB."""
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1e3 / 2**20, "M": 1e6 / 2**20,
             "G": 1e9 / 2**20}
    for unit in ("Ki", "Mi", "Gi", "K", "M", "G"):
        if quantity.endswith(unit):
            return float(quantity[: -len(unit)]) * units[unit]
    return float(quantity) / 2**20

# 2. Containers: programs, options, probes, limits.
containers_checked = 0
for name, doc, template in pod_specs():
    spec = template["spec"]
    pod_security = spec.get("securityContext") or {}
    for c in spec.get("containers", []):
        where = "%s: %s/%s container %s" % (name, doc["kind"], doc["metadata"]["name"], c["name"])
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        if not c.get("command"):
            fail("%s: no command (the image's default command only prints help)" % where)
            continue
        check_command(where, argv)
        containers_checked += 1
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            command = ((c.get(probe) or {}).get("exec") or {}).get("command")
            if command and command[0] in PROGRAMS:
                check_command("%s %s" % (where, probe), command)
        if not c.get("livenessProbe"):
            fail("%s: no livenessProbe" % where)
        if not c.get("readinessProbe"):
            fail("%s: no readinessProbe" % where)
        # Metrics on, on a port the container names, and the pod says so.
        metrics = option_value(argv, "--metrics-port")
        ports = {str(p.get("containerPort")) for p in c.get("ports") or []}
        if not metrics or metrics not in ports:
            fail("%s: --metrics-port %s is not one of its named ports" % (where, metrics))
        annotations = template.get("metadata", {}).get("annotations") or {}
        if annotations.get("prometheus.io/scrape") != "true":
            fail("%s: the pod has no prometheus.io/scrape annotation" % where)
        image = c.get("image", "")
        if ":" not in image:
            fail("%s: image %s has no tag" % (where, image))
        memory = ((c.get("resources") or {}).get("limits") or {}).get("memory")
        if not memory:
            fail("%s: no memory limit" % where)
        if c["command"][0] == "precis-sink":
            # Its stories index: --stories-max articles at about 650 bytes
            # each, 1.5 times that while its tables double, plus 128 MiB
            # (replay buffers, the keys' window, caches). Below that the
            # sink is killed once the index fills, and again at each start
            # (it loads the index back).
            stories = int(option_value(c.get("args") or [], "--stories-max") or 1000000)
            need = 1.5 * stories * 650 + (128 << 20)
            if mebibytes(memory) * (1 << 20) < need:
                fail("%s: memory limit %s is under the %.0f MiB its stories index of %d "
                     "articles needs" % (where, memory, need / (1 << 20), stories))
        if c["command"][0] in ("precis-normalize", "precis-summarize"):
            requests = ((c.get("resources") or {}).get("requests") or {}).get("memory")
            if memory != "50Mi" or requests != "50Mi":
                fail("%s: a worker's memory request and limit should be 50Mi, not %s/%s"
                     % (where, requests, memory))
        security = c.get("securityContext") or {}
        if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
            fail("%s: not runAsNonRoot" % where)
        if security.get("allowPrivilegeEscalation") is not False:
            fail("%s: allowPrivilegeEscalation is not false" % where)
print("k8s_test: %d container(s) checked against the programs' --help" % containers_checked)

# 3. The wiring.
services = {doc["metadata"]["name"]: doc for _, doc in documents if doc["kind"] == "Service"}
def selected(service):
    selector = service["spec"].get("selector") or {}
    return [(n, d, t) for n, d, t in pod_specs()
            if selector and all((t["metadata"].get("labels") or {}).get(k) == v
                                for k, v in selector.items())]
for sname, service in services.items():
    pods = selected(service)
    if not pods:
        fail("Service %s selects no pod template" % sname)
        continue
    port_names = {p.get("name") for _, _, t in pods for c in t["spec"]["containers"]
                  for p in c.get("ports") or []}
    port_numbers = {p["containerPort"] for _, _, t in pods for c in t["spec"]["containers"]
                    for p in c.get("ports") or []}
    for port in service["spec"]["ports"]:
        target = port.get("targetPort", port["port"])
        if target not in port_names and target not in port_numbers:
            fail("Service %s port %s: targetPort %s is no container port of %s"
                 % (sname, port["port"], target, [d["metadata"]["name"] for _, d, _ in pods]))

hub = services.get("precis-hub")
if not hub:
    fail("no Service precis-hub (the internal endpoints the workers connect to)")
else:
    internal_ports = {p["port"] for p in hub["spec"]["ports"]}
    if hub["spec"].get("clusterIP") not in (None, "None"):
        pass  # a ClusterIP Service works too
    bound = set()
    for _, _, t in selected(hub):
        for c in t["spec"]["containers"]:
            for arg in c.get("args") or []:
                m = re.match(r"--[a-z-]+=tcp://\*:(\d+)$", arg)
                if m:
                    bound.add(int(m.group(1)))
    for port in sorted(internal_ports - bound):
        fail("Service precis-hub has port %d, which the hub does not bind on tcp://*:%d" % (port, port))
    for name, doc, t in pod_specs():
        for c in t["spec"]["containers"]:
            if c["command"][0] not in ("precis-normalize", "precis-summarize"):
                continue
            for arg in c.get("args") or []:
                m = re.match(r"--([a-z-]+)=tcp://([^:]+):(\d+)$", arg)
                if not m:
                    continue
                host, port = m.group(2), int(m.group(3))
                if host != "precis-hub" or port not in internal_ports:
                    fail("%s: %s connects to %s:%d, not a port of Service precis-hub %s"
                         % (name, c["name"], host, port, sorted(internal_ports)))

for name, doc, t in pod_specs():
    for c in t["spec"]["containers"]:
        if c["command"][0] != "precis-ingest":
            continue
        drain = option_value(c.get("args") or [], "--drain")
        if drain is None:
            out = subprocess.run([os.path.join(bin_dir, "precis-ingest"), "--help"],
                                 capture_output=True, text=True).stdout
            m = re.search(r"--drain SECONDS.*\(default ([0-9.]+)\)", out)
            drain = m.group(1) if m else "30"
        grace = t["spec"].get("terminationGracePeriodSeconds", 30)
        if not grace > float(drain) + 5:
            fail("%s: terminationGracePeriodSeconds %s is not above ingest's --drain %s (+5 s)"
                 % (name, grace, drain))

if failures:
    print("k8s_test: %d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
PY
}
check_manifests "$repo/deploy/k8s" || status=$?

if command -v kubectl >/dev/null 2>&1; then
    if kubectl kustomize "$repo/deploy/k8s" >/dev/null 2>"${TMPDIR:-/tmp}/precis-k8s-test.$$"; then
        echo "k8s_test: kubectl kustomize deploy/k8s renders"
    else
        cat "${TMPDIR:-/tmp}/precis-k8s-test.$$" >&2
        echo "k8s_test: FAIL: kubectl kustomize deploy/k8s failed (above)" >&2
        status=1
    fi
    rm -f "${TMPDIR:-/tmp}/precis-k8s-test.$$"
    kubectl kustomize "$repo/deploy/k8s" >"${TMPDIR:-/tmp}/precis-k8s-test.$$" 2>&1 || true
    # The default: the relay in the hub binds the workers' normalized and
    # summarize endpoints, ingest runs with --no-forward.
    if ! grep -qxF -- '        - --no-forward' "${TMPDIR:-/tmp}/precis-k8s-test.$$" ||
        ! grep -qxF -- '        - precis-relay' "${TMPDIR:-/tmp}/precis-k8s-test.$$" ||
        [ "$(grep -c -- '--summarize-endpoint=tcp://\*:5558' "${TMPDIR:-/tmp}/precis-k8s-test.$$")" -ne 1 ]; then
        echo "k8s_test: FAIL: by default the hub should run the relay and ingest --no-forward" >&2
        status=1
    fi
    rm -f "${TMPDIR:-/tmp}/precis-k8s-test.$$"
    # The optional no-relay component (deploy/k8s/no-relay): rendered into
    # the hub, the same checks hold (its test operations fail the render
    # when hub.yaml's containers or ingest's arguments moved), ingest binds
    # the workers' normalized and summarize endpoints and no relay runs.
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/precis-k8s-relay.XXXXXX")
    cp -r "$repo/deploy/k8s" "$scratch/k8s"
    printf 'components:\n  - no-relay\n' >>"$scratch/k8s/kustomization.yaml"
    mkdir "$scratch/rendered"
    if kubectl kustomize "$scratch/k8s" >"$scratch/rendered/all.yaml" 2>"$scratch/err"; then
        echo "k8s_test: with the no-relay component:"
        check_manifests "$scratch/rendered" || status=$?
        if ! grep -qxF -- '        - --normalized-endpoint=tcp://*:5557' "$scratch/rendered/all.yaml" ||
            ! grep -qxF -- '        - --summarize-endpoint=tcp://*:5558' "$scratch/rendered/all.yaml" ||
            grep -qF -- 'precis-relay' "$scratch/rendered/all.yaml" ||
            grep -qxF -- '        - --no-forward' "$scratch/rendered/all.yaml"; then
            echo "k8s_test: FAIL: with the no-relay component, ingest does not bind the workers' endpoints or a relay runs" >&2
            status=1
        fi
    else
        cat "$scratch/err" >&2
        echo "k8s_test: FAIL: kubectl kustomize with the no-relay component failed (above)" >&2
        status=1
    fi
    rm -rf "$scratch"
else
    echo "k8s_test: kubectl is not installed; the kustomization is not rendered"
fi

[ "$status" -eq 0 ] && echo "k8s_test: passed"
exit "$status"
