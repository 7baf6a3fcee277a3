#!/usr/bin/env bash
# Checks deploy/docker/Dockerfile without building it (no Docker engine
# needed):
#
#   tests/dockerfile_test.sh [BUILD_DIR]
#
# * two stages, both FROM debian:bookworm-slim, the first named build;
# * every package either stage installs exists in Debian (apt-cache show on
#   this host, which must itself be bookworm for the answer to mean anything);
# * the build stage installs what deploy/install-deps --build names; the
#   runtime stage installs no -dev package and no compiler;
# * every program the runtime stage copies from /build/bin is the output of
#   an executable target of the CMake build (its code model, from CMake's
#   file API, configured in a temporary directory), each --target the build
#   stage names is a target, and the six programs are all copied;
# * the runtime stage runs as a non-root user, declares VOLUME
#   /var/lib/precis and exposes the eight ports 5555-5562;
# * with BUILD_DIR: every shared library the built programs (BUILD_DIR/bin)
#   name (ELF NEEDED) comes from a package the runtime stage installs (or
#   libc6, which the base image has); their own dependencies come with them.
#
# Exit codes: 0 passed, 1 failed, 77 skipped (no apt-cache, or this host is
# not Debian bookworm).
set -euo pipefail
# A list is searched with grep -q on a here-string, never piped into it:
# under pipefail, grep -q leaving at its first match gives the writer
# still writing a SIGPIPE, and the pipeline fails though the name was found.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dockerfile="$repo/deploy/docker/Dockerfile"
build_dir=${1:-}

skip() { echo "dockerfile_test: SKIP: $*" >&2; exit 77; }
failures=0
fail() { echo "dockerfile_test: FAIL: $*" >&2; failures=$((failures + 1)); }

command -v apt-cache >/dev/null 2>&1 ||
    skip "apt-cache is not available: cannot check the Debian package names"
# shellcheck disable=SC1091
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] ||
    skip "this host is '${codename:-not Debian}', not bookworm: apt-cache would answer for another release"
python=$(command -v python3 || true)
[ -n "$python" ] || skip "python3 is needed to read CMake's code model"
[ -f "$dockerfile" ] || { echo "dockerfile_test: FAIL: $dockerfile is missing" >&2; exit 1; }
[ -f "$repo/.dockerignore" ] || fail ".dockerignore is missing at the repository root"

work=$(mktemp -d "${TMPDIR:-/tmp}/precis-dockerfile-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The Dockerfile with continuation lines joined and comments dropped, one
# instruction a line, prefixed with its stage number (1, 2, ...).
sed -e '/^[[:space:]]*#/d' "$dockerfile" |
    awk '{ if (sub(/\\[[:space:]]*$/, "")) { line = line $0 " "; next }
           line = line $0; print line; line = "" }' |
    awk 'toupper($1) == "FROM" { stage++ } NF && stage { print stage "\t" $0 }' \
    >"$work/instructions"
in_stage() { # stage, instruction -> the instruction's lines in that stage, without the keyword
    awk -F'\t' -v s="$1" -v i="$2" '$1 == s { split($2, w, " ");
        if (toupper(w[1]) == i) { sub(/^[[:space:]]*[^[:space:]]+[[:space:]]*/, "", $2); print $2 } }' \
        "$work/instructions"
}
# Package names after 'apt-get install' (options skipped) up to '&&' or ';'.
packages_of() { # stage
    in_stage "$1" RUN | tr ' ' '\n' | awk '
        $0 == "&&" || $0 == ";" || $0 == "||" { on = 0; next }
        prev == "apt-get" && $0 == "install" { on = 1 }
        { prev = $0 }
        on && $0 != "install" && $0 !~ /^-/ && $0 != "" { print }'
}

stages=$(cut -f1 "$work/instructions" | sort -u | wc -l)
[ "$stages" -eq 2 ] || fail "expected two stages (build, runtime), found $stages"
from1=$(in_stage 1 FROM)
from2=$(in_stage 2 FROM)
[[ "$from1" =~ ^debian:bookworm-slim\ +[Aa][Ss]\ +build$ ]] ||
    fail "stage 1 is 'FROM $from1', expected 'FROM debian:bookworm-slim AS build'"
[[ "$from2" =~ ^debian:bookworm-slim( |$) ]] ||
    fail "stage 2 is 'FROM $from2', expected 'FROM debian:bookworm-slim'"

mapfile -t build_packages < <(packages_of 1)
mapfile -t runtime_packages < <(packages_of 2)
[ ${#build_packages[@]} -gt 0 ] || fail "the build stage installs no packages"
[ ${#runtime_packages[@]} -gt 0 ] || fail "the runtime stage installs no packages"

# Every package exists (a real package, not only a virtual name).
# One apt-cache call for them all (each reads the whole package cache: one
# a package took a minute on a loaded machine); a package it does not know
# is missing from its "Package:" lines.
known=$(apt-cache show --no-all-versions "${build_packages[@]}" "${runtime_packages[@]}" \
    2>/dev/null | sed -n 's/^Package: //p' | sort -u)
for package in "${build_packages[@]}" "${runtime_packages[@]}"; do
    if ! grep -qxF "$package" <<<"$known"; then
        fail "package '$package' is not in Debian (apt-cache show $package found nothing;" \
            "run 'apt-get update' if the package lists are empty)"
    fi
done
echo "dockerfile_test: apt-cache knows all ${#build_packages[@]} build and ${#runtime_packages[@]} runtime package(s)"

# The build stage has what deploy/install-deps installs to build.
mapfile -t needed_build < <(sed -n '/^build_packages=(/,/)/p' "$repo/deploy/install-deps" |
    sed -e 's/^build_packages=(//' -e 's/).*//' | tr ' ' '\n' | sed '/^$/d')
[ ${#needed_build[@]} -gt 0 ] || fail "cannot read build_packages from deploy/install-deps"
for package in "${needed_build[@]}"; do
    grep -qxF "$package" <<<"$(printf '%s\n' "${build_packages[@]}")" ||
        fail "the build stage does not install $package (deploy/install-deps --build does)"
done
for package in "${runtime_packages[@]}"; do
    case "$package" in
        *-dev | build-essential | cmake | gcc | cc | make | pkg-config)
            fail "the runtime stage installs the build package $package" ;;
    esac
done

# Runtime: a non-root user, the volume, the ports.
user=$(in_stage 2 USER | tail -n 1)
user=${user%%:*}
if [ -z "$user" ] || [ "$user" = root ] || [ "$user" = 0 ]; then
    fail "the runtime stage runs as root (USER '${user:-none}')"
fi
in_stage 2 VOLUME | grep -qE '(^|[" \[])/var/lib/precis($|[" ,\]])' ||
    fail "the runtime stage declares no VOLUME /var/lib/precis"
exposed=" $(in_stage 2 EXPOSE | tr '\n' ' ') "
for port in 5555 5556 5557 5558 5559 5560 5561 5562; do
    [[ "$exposed" == *" $port "* ]] || fail "port $port is not in EXPOSE"
done

# The programs the runtime stage copies from the build stage.
copied=()
while read -r -a words; do
    [[ "${words[0]}" == --from=build ]] || continue
    n=${#words[@]}
    for ((k = 1; k < n - 1; k++)); do
        copied+=("${words[$k]}")
    done
done < <(in_stage 2 COPY)
[ ${#copied[@]} -gt 0 ] || fail "the runtime stage copies nothing from the build stage"
programs=()
for path in "${copied[@]}"; do
    case "$path" in
        /build/bin/*) programs+=("${path#/build/bin/}") ;;
        *) fail "COPY --from=build $path: expected a program from /build/bin" ;;
    esac
done
for program in precis-ingest precis-sink precis-normalize precis-summarize precis-relay precis; do
    grep -qxF "$program" <<<"$(printf '%s\n' "${programs[@]}")" ||
        fail "the runtime stage does not copy $program"
done

# The programs copied, and the targets built, against CMake's code model.
mkdir -p "$work/cmake/.cmake/api/v1/query"
: >"$work/cmake/.cmake/api/v1/query/codemodel-v2"
if ! cmake -S "$repo" -B "$work/cmake" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1; then
    tail -n 20 "$work/cmake.log" >&2
    fail "cmake could not configure the project (see above); the targets are not checked"
else
    # Lines: "target NAME" and "program FILE-NAME" (executables' outputs).
    "$python" - "$work/cmake/.cmake/api/v1/reply" >"$work/targets" <<'PY'
import json, os, sys
reply = sys.argv[1]
index = json.load(open(os.path.join(reply, sorted(f for f in os.listdir(reply) if f.startswith("index-"))[-1])))
codemodel = next(o for o in index["objects"] if o["kind"] == "codemodel")
model = json.load(open(os.path.join(reply, codemodel["jsonFile"])))
for target in model["configurations"][0]["targets"]:
    print("target", target["name"])
    info = json.load(open(os.path.join(reply, target["jsonFile"])))
    if info["type"] == "EXECUTABLE":
        for artifact in info.get("artifacts", []):
            print("program", os.path.basename(artifact["path"]))
PY
    for program in "${programs[@]}"; do
        grep -qxF "program $program" "$work/targets" ||
            fail "the Dockerfile copies $program, which no executable target of the CMake build makes"
    done
    targets=$(in_stage 1 RUN | tr ' ' '\n' |
        awk '$0 == "&&" { on = 0 } on && $0 !~ /^-/ { print } $0 == "--target" { on = 1 }')
    [ -n "$targets" ] || fail "the build stage names no --target"
    for target in $targets; do
        grep -qxF "target $target" "$work/targets" ||
            fail "the build stage builds --target $target, which is not a CMake target"
    done
    echo "dockerfile_test: the ${#programs[@]} program(s) copied and the build targets are in the CMake build"
fi

# With a build: each shared library the programs need comes from a package
# the runtime stage installs.
if [ -n "$build_dir" ]; then
    command -v dpkg >/dev/null 2>&1 || fail "dpkg is needed for the library check"
    declare -A library_packages=() library_path=() users=()
    for program in "${programs[@]}"; do
        binary="$build_dir/bin/$program"
        [ -x "$binary" ] || { fail "$binary is missing (build first)"; continue; }
        # The libraries the program names itself (NEEDED); what those need
        # in turn comes with their packages' dependencies.
        ldd "$binary" >"$work/ldd" 2>&1 || true
        while read -r soname; do
            path=$(awk -v s="$soname" '$1 == s && $2 == "=>" && $3 ~ /^\// { print $3 }' "$work/ldd")
            [ -n "$path" ] || { fail "$program: $soname not found by ldd"; continue; }
            library_path[$soname]=$path
            users[$soname]+=" $program:$soname"
        done < <(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
    done
    # One dpkg -S for every library (each call reads dpkg's whole file
    # list: one a library took minutes on a loaded machine). A path may be
    # known by its link target, or with or without /usr (merged /usr).
    candidates() { # path -> the names dpkg may know it by
        printf '%s\n' "$1" "$(readlink -f "$1")" "${1#/usr}" "/usr$1"
    }
    mapfile -t all_paths < <(for soname in "${!library_path[@]}"; do
        candidates "${library_path[$soname]}"; done | sort -u)
    declare -A path_owner=()
    if [ ${#all_paths[@]} -gt 0 ]; then
        while IFS= read -r line; do
            # "libzmq5:amd64: /usr/lib/x86_64-linux-gnu/libzmq.so.5"
            owner=${line%%: /*}
            path_owner[/${line#*: /}]=${owner%%:*}
        done < <(dpkg -S "${all_paths[@]}" 2>/dev/null || true)
    fi
    for soname in "${!library_path[@]}"; do
        owner=""
        while read -r candidate; do
            owner=${path_owner[$candidate]:-}
            [ -z "$owner" ] || break
        done < <(candidates "${library_path[$soname]}")
        [ -n "$owner" ] || { fail "${users[$soname]# }: no Debian package owns ${library_path[$soname]}"; continue; }
        library_packages[$owner]+="${users[$soname]}"
    done
    for owner in "${!library_packages[@]}"; do
        [ "$owner" = libc6 ] && continue
        grep -qxF "$owner" <<<"$(printf '%s\n' "${runtime_packages[@]}")" ||
            fail "the programs need $owner (${library_packages[$owner]# }), which the runtime stage does not install"
    done
    echo "dockerfile_test: the libraries of the programs in $build_dir/bin come from: ${!library_packages[*]}"
fi

if [ "$failures" -gt 0 ]; then
    echo "dockerfile_test: $failures failure(s)" >&2
    exit 1
fi
echo "dockerfile_test: passed"
