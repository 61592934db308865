#!/usr/bin/env bash
# qemu-loop.sh: the closed loop of `mmio-model qemu` (issue 24). A real Linux driver probes QEMU's
# emulated NIC under trace; `mmio-model learn` makes a model of it, `mmio-model qemu` a QEMU device of
# the model; QEMU is rebuilt with it, and the same driver probes the generated device instead.
#
#   scripts/qemu-loop.sh [--device e1000|rtl8139] [--qemu-src DIR] [--out DIR] [--jobs N]
#
# Steps, each reported PASS or FAIL (exit 1 when any fails):
#   1 QEMU (Debian's 7.2 source, `apt-get source qemu`) configured for x86_64-softmmu and built
#   2 the real device, traced (memory_region_ops_*) while the driver probes it: eth0 has the MAC
#   3 mmio-model learn from that trace; mmio-model check of the model on it
#   4 mmio-model qemu --into the QEMU tree, three devices: the model, an all-zero model (every register
#     reads 0), and a model learned from the trace with the MAC's EEPROM words edited; QEMU rebuilt
#   5 the generated device in the real one's place: the driver binds, eth0 has the traced MAC
#   6 mmio-diff of the register accesses, real run against generated run (the share of the real run's
#     accesses the generated run repeats, in order)
#   7 the generated device again; the guest unloads the driver and loads it again: eth0 comes back
#     with the same MAC
#   8 control: the all-zero model does not give that MAC
#   9 control: the edited model gives the edited MAC
# Needs what scripts/capture.sh needs, QEMU's build dependencies (ninja-build, meson, libglib2.0-dev,
# libpixman-1-dev, libslirp-dev, libfdt-dev, python3-venv, flex, bison), node, and `npm run build` done.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
device=e1000
src=${QEMU_SRC:-/work/qemu/qemu-7.2+dfsg}
out=""
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --qemu-src) src="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "qemu-loop.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
out=${out:-$root/qemu-loop-out/$device}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Per device: the Linux driver, the MAC (capture.sh's), the EEPROM word the MAC starts at, the checksum
# word (e1000: words 0..0x3f add up to 0xbaba), BARs the generated device answers as another BAR
# (QEMU's rtl8139 has one register file behind its I/O BAR 0 and its memory BAR 1; its trace names both
# 'rtl8139' at I/O addresses, so the model has BAR 0's registers and the driver uses BAR 1).
case "$device" in
  e1000)   driver=e1000;  mac=02:4d:49:4f:5a:01; newmac=02:4d:49:4f:5a:e1; macword=0; checksum="--checksum 0x3f=0xbaba"; alias=() ;;
  rtl8139) driver=8139cp; mac=02:4d:49:4f:5a:03; newmac=02:4d:49:4f:5a:e3; macword=7; checksum="";                       alias=(--alias 1=0) ;;
  *) echo "qemu-loop.sh: --device e1000 or rtl8139" >&2; exit 2 ;;
esac
type=mmio-loop-$device
mm=(node "$root/packages/model/bin/mmio-model.js")
if [ -n "${MMIO_MODEL:-}" ]; then read -r -a mm <<< "$MMIO_MODEL"; fi # another mmio-model, e.g. "node /path/to/bin/mmio-model.js"
parse=(node "$root/packages/parse/bin/mmio-parse.js")
mdiff=(node "$root/packages/diff/bin/mmio-diff.js")
report=$out/report.txt
: > "$report"
failed=0
say() { echo "$*" | tee -a "$report"; }
step() { # step N PASS|FAIL text
  say "step $1: $2: $3"
  [ "$2" = PASS ] || failed=1
}
macs() { grep -a '^capture: eth0 address ' "$1" | sed 's/^capture: eth0 address //; s/\r$//' | paste -sd' ' || true; }
console() { grep -a '^capture: ' "$1" | sed 's/\r$//' | sed 's/^/    /' | tee -a "$report"; }

# --- 1 QEMU ------------------------------------------------------------------------------------------
if [ ! -f "$src/configure" ]; then
  cat >&2 <<EOF
qemu-loop.sh: no QEMU source in $src. Get Debian's (7.2):
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > /etc/apt/sources.list.d/debian-src.sources
  apt-get update && mkdir -p $(dirname "$src") && cd $(dirname "$src") && apt-get source qemu
EOF
  exit 1
fi
build=$src/build
if [ ! -f "$build/build.ninja" ]; then
  mkdir -p "$build"
  (cd "$build" && ../configure --target-list=x86_64-softmmu --without-default-features --enable-tcg \
    --enable-slirp --enable-fdt=system --disable-docs --disable-werror) > "$out/configure.log" 2>&1
fi
qemu=$build/qemu-system-x86_64
# Debian's source has no firmware blobs: SeaBIOS and the option ROMs come from Debian's packages
# (seabios, qemu-system-data), as Debian's own binary finds them.
fw=(--qemu-arg -L --qemu-arg /usr/share/seabios --qemu-arg -L --qemu-arg /usr/share/qemu)
if ninja -C "$build" -j "$jobs" qemu-system-x86_64 > "$out/build-1.log" 2>&1; then
  step 1 PASS "QEMU $("$qemu" --version | head -1 | sed 's/QEMU emulator version //') built in $build"
else
  step 1 FAIL "QEMU build failed: $out/build-1.log"; exit 1
fi

# --- 2 the real device -------------------------------------------------------------------------------
"$here/capture.sh" --qemu "$qemu" "${fw[@]}" --device "$device" --mode probe --name real --out "$out" 2> "$out/real.capture.log" || true
got=$(macs "$out/real.console.log" 2>/dev/null)
if [ "$got" = "$mac" ]; then step 2 PASS "-device $device: eth0 $got; $(zcat "$out/real.log.gz" | wc -l) trace lines kept"
else step 2 FAIL "-device $device: eth0 '${got}', expected $mac"; exit 1; fi
console "$out/real.console.log"

# --- 3 learn, check ----------------------------------------------------------------------------------
if ! "${mm[@]}" learn "$out/real.log.gz" -o "$out/model.json" 2> "$out/learn.log" ||
   ! "${mm[@]}" check "$out/model.json" "$out/real.log.gz" > "$out/check.txt" 2>> "$out/learn.log"; then
  step 3 FAIL "mmio-model learn or check failed: $(tail -1 "$out/learn.log")"; exit 1
fi
sed 's/^/    /' "$out/learn.log" | tee -a "$report"
step 3 PASS "model.json learned; check on its own run: $(grep '^exact' "$out/check.txt" | tr -s ' ')"
# the controls' models: every register reads 0; and one learned from a trace with the MAC's words edited
node -e '
  const fs = require("fs");
  const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  for (const r of m.registers) r.rule = { kind: "constant", value: "0x0" };
  fs.writeFileSync(process.argv[2], JSON.stringify(m, null, 1) + "\n");
' "$out/model.json" "$out/model-zero.json"
words=()
IFS=: read -r -a b <<< "$mac"; IFS=: read -r -a n <<< "$newmac"
for i in 0 1 2; do
  if [ "${b[2*i]}${b[2*i+1]}" != "${n[2*i]}${n[2*i+1]}" ]; then
    words+=(--word "$(printf '0x%x=0x%s%s' $((macword + i)) "${n[2*i+1]}" "${n[2*i]}")")
  fi
done
# shellcheck disable=SC2086
node "$here/edit-eeprom.mjs" "$out/model.json" "$out/real.log.gz" "$out/edited.log.gz" "${words[@]}" $checksum 2>&1 | sed 's/^/    /' | tee -a "$report"
if ! "${mm[@]}" learn "$out/edited.log.gz" -o "$out/model-edited.json" 2> "$out/learn-edited.log"; then
  step 3 FAIL "mmio-model learn of the edited trace failed: $(tail -1 "$out/learn-edited.log")"; exit 1
fi

# --- 4 generate, rebuild -----------------------------------------------------------------------------
: > "$out/qemu.log"
for m in "":model.json -zero:model-zero.json -edited:model-edited.json; do
  if ! "${mm[@]}" qemu "$out/${m#*:}" --type "$type${m%%:*}" "${alias[@]}" --into "$src" -o "$out/$type${m%%:*}.c" 2>> "$out/qemu.log"; then
    step 4 FAIL "mmio-model qemu ${m#*:}: $(tail -1 "$out/qemu.log")"; exit 1
  fi
done
sed 's/^/    /' "$out/qemu.log" | tee -a "$report"
if ninja -C "$build" -j "$jobs" qemu-system-x86_64 > "$out/build-2.log" 2>&1; then
  step 4 PASS "$type, $type-zero, $type-edited placed in $src/hw/misc and built"
else
  step 4 FAIL "QEMU build with the generated devices failed: $out/build-2.log"; exit 1
fi
regions() { node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(m.bars.map((b) => process.argv[2] + "-bar" + b.index).join(","));' "$1" "$2"; }

# --- 5 the generated device --------------------------------------------------------------------------
"$here/capture.sh" --qemu "$qemu" "${fw[@]}" --device "$device" --qdev "$type" --driver "$driver" \
  --regions "$(regions "$out/model.json" "$type")" --mode probe --name fake --out "$out" 2> "$out/fake.capture.log" || true
got=$(macs "$out/fake.console.log")
if [ "$got" = "$mac" ]; then step 5 PASS "-device $type: the $driver driver bound, eth0 $got"
else step 5 FAIL "-device $type: eth0 '${got}', expected $mac"; fi
console "$out/fake.console.log"

# --- 6 mmio-diff ---------------------------------------------------------------------------------------
# Both runs' register accesses as (read/write, offset in its BAR, width, value): BARs are aligned to
# their size, so offset = address & (size - 1); the real run's regions are those the model names, the
# generated run's are its own BARs.
rebase() { # rebase TRACE MODEL NAME-PREFIX(optional) > NDJSON
  "${parse[@]}" "$1" | node -e '
    const fs = require("fs");
    const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const prefix = process.argv[2];
    const size = new Map();
    for (const b of m.bars) {
      if (prefix) size.set(prefix + "-bar" + b.index, BigInt(b.size));
      else for (const n of b.names ?? []) size.set(n, BigInt(b.size));
    }
    const rl = require("readline").createInterface({ input: process.stdin });
    rl.on("line", (l) => {
      const e = JSON.parse(l);
      if ((e.type !== "read" && e.type !== "write") || !size.has(e.name)) return;
      const off = BigInt(e.addr) & (size.get(e.name) - 1n);
      process.stdout.write(JSON.stringify({ type: e.type, offset: "0x" + off.toString(16), width: e.width, value: e.value }) + "\n");
    });' "$2" "${3:-}"
}
rebase "$out/real.log.gz" "$out/model.json" > "$out/real.regs.ndjson"
rebase "$out/fake.log.gz" "$out/model.json" "$type" > "$out/fake.regs.ndjson"
"${mdiff[@]}" --key type,offset,width,value "$out/real.regs.ndjson" "$out/fake.regs.ndjson" > "$out/diff.ndjson" || true
na=$(wc -l < "$out/real.regs.ndjson"); nb=$(wc -l < "$out/fake.regs.ndjson")
minus=$(grep -c '"diff":"-"' "$out/diff.ndjson" || true); plus=$(grep -c '"diff":"+"' "$out/diff.ndjson" || true)
share=$(awk -v a="$na" -v m="$minus" 'BEGIN { printf "%.2f", a ? 100 * (a - m) / a : 0 }')
# the accesses before the first difference: the probe, when the difference is the power-off shutdown
same=$(node -e '
  const l = require("fs").readFileSync(process.argv[1], "utf8").split("\n").find((x) => x.includes("\"hunk\""));
  console.log(l ? JSON.parse(l).a_start - 1 : process.argv[2]);' "$out/diff.ndjson" "$na")
step 6 "$([ "$na" -gt 0 ] && [ "$minus" -lt "$na" ] && echo PASS || echo FAIL)" "mmio-diff: $((na - minus)) of the real run's $na register accesses repeated in order by the generated run ($share%), the first $same of them without a gap; $minus only in the real run, $plus only in the generated run (of $nb)"

# --- 7 unload and load again -------------------------------------------------------------------------
"$here/capture.sh" --qemu "$qemu" "${fw[@]}" --device "$device" --qdev "$type" --driver "$driver" \
  --regions "$(regions "$out/model.json" "$type")" --mode reload --name reload --out "$out" 2> "$out/reload.capture.log" || true
got=$(macs "$out/reload.console.log")
if [ "$got" = "$mac $mac" ]; then step 7 PASS "-device $type: insmod, eth0 ${got%% *}; rmmod $driver, insmod again: eth0 ${got#* }"
else step 7 FAIL "-device $type: insmod, rmmod, insmod: eth0 '${got}', expected $mac twice"; fi
console "$out/reload.console.log"

# --- 8, 9 controls -------------------------------------------------------------------------------------
"$here/capture.sh" --qemu "$qemu" "${fw[@]}" --device "$device" --qdev "$type-zero" --driver "$driver" \
  --regions "$(regions "$out/model.json" "$type-zero")" --mode probe --name zero --out "$out" 2> "$out/zero.capture.log" || true
got=$(macs "$out/zero.console.log")
if [ "$got" != "$mac" ]; then step 8 PASS "-device $type-zero (every register reads 0): eth0 '${got:-none}', not $mac"
else step 8 FAIL "-device $type-zero gave $mac"; fi
console "$out/zero.console.log"
"$here/capture.sh" --qemu "$qemu" "${fw[@]}" --device "$device" --qdev "$type-edited" --driver "$driver" \
  --regions "$(regions "$out/model.json" "$type-edited")" --mode probe --name edited --out "$out" 2> "$out/edited.capture.log" || true
got=$(macs "$out/edited.console.log")
if [ "$got" = "$newmac" ]; then step 9 PASS "-device $type-edited (learned from the trace with ${words[*]} $checksum): eth0 $got"
else step 9 FAIL "-device $type-edited: eth0 '${got}', expected $newmac"; fi
console "$out/edited.console.log"

say "report: $report"
exit $failed
