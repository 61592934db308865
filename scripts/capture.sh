#!/usr/bin/env bash
# capture.sh: boot Debian's kernel in QEMU (TCG) with one emulated NIC, let the distro's driver probe it,
# trace QEMU's memory_region_ops_* events, and keep that device's own accesses (its BAR regions and its
# PCI config space) as a gzip'd raw QEMU log.
#
#   scripts/capture.sh --device e1000  --mode probe --out DIR [--name NAME]
#   scripts/capture.sh --device e1000e --mode order --out DIR
#   scripts/capture.sh --device rtl8139 ...
#   scripts/capture.sh --qemu ./qemu-system-x86_64 --qdev 'mmio-fake' --driver e1000 --regions 'mmio-fake-bar0' ...
#
# Modes (what the guest's /init does; it prints each step to the console, ttyS0):
#   probe  insmod the driver, wait for eth0, print /sys/class/net/eth0/address, power off.
#   order  as probe, then `ip link set eth0 up`, down, up, rmmod the driver, insmod it again, wait for
#          eth0, print the address again, power off.
#   reload as probe, then rmmod the driver, insmod it again, wait for eth0, print the address again.
#
# Output in DIR: NAME.log.gz (the filtered raw trace), NAME.console.log (the guest's serial console),
# NAME.cmd (the QEMU command line). NAME defaults to DEVICE-MODE. Needs: qemu-system-x86 (Debian 12: 7.2),
# busybox-static, linux-image-amd64, cpio, gzip. Runs as any user; no KVM needed.
set -euo pipefail

device=""; mode=probe; out=""; name=""; qemu="${QEMU:-qemu-system-x86_64}"; qdev=""; driver=""; regions=""
mac=""; kernel="${KERNEL:-}"; bdf="00:01.0"; mmcfg_base="0xb0000000"; keep_raw=0; timeout_s=600; extra_qemu=()
usage() { sed -n '2,20p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --qemu) qemu="$2"; shift 2 ;;
    --qdev) qdev="$2"; shift 2 ;;          # the -device driver name, when it is not --device's
    --driver) driver="$2"; shift 2 ;;      # the Linux module, when it is not --device's
    --regions) regions="$2"; shift 2 ;;    # comma-separated QEMU region names to keep
    --mac) mac="$2"; shift 2 ;;
    --kernel) kernel="$2"; shift 2 ;;
    --bdf) bdf="$2"; shift 2 ;;
    --keep-raw) keep_raw=1; shift ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --qemu-arg) extra_qemu+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    *) echo "capture.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$device" ] && [ -n "$out" ] || usage
case "$mode" in probe|order|reload) ;; *) echo "capture.sh: --mode is probe, order or reload" >&2; exit 2 ;; esac

# Per-device defaults: the QEMU device, the Linux module (and the modules it needs, in load order), the
# region names QEMU 7.2 gives its BARs, and a MAC that is not QEMU's default 52:54:00:12:34:56.
case "$device" in
  e1000)   d_qdev=e1000;   d_driver=e1000;  d_deps="";    d_regions="e1000-mmio,e1000-io";                          d_mac=02:4d:49:4f:5a:01 ;;
  e1000e)  d_qdev=e1000e;  d_driver=e1000e; d_deps="";    d_regions="e1000e-mmio,e1000e-flash,e1000e-io,msix-table,msix-pba"; d_mac=02:4d:49:4f:5a:02 ;;
  rtl8139) d_qdev=rtl8139; d_driver=8139cp; d_deps="mii"; d_regions="rtl8139";                                       d_mac=02:4d:49:4f:5a:03 ;;
  *)       d_qdev="$device"; d_driver=""; d_deps=""; d_regions="" ; d_mac=02:4d:49:4f:5a:0f ;;
esac
qdev="${qdev:-$d_qdev}"; driver="${driver:-$d_driver}"; regions="${regions:-$d_regions}"; mac="${mac:-$d_mac}"
[ -n "$driver" ] || { echo "capture.sh: --driver is needed for device $device" >&2; exit 2; }
[ -n "$regions" ] || { echo "capture.sh: --regions is needed for device $device" >&2; exit 2; }
if [ -z "$kernel" ]; then kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1); fi
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || { echo "capture.sh: $moddir/modules.dep: not found (linux-image for $kver?)" >&2; exit 1; }
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "capture.sh: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
name="${name:-$device-$mode}"

work=$(mktemp -d "${TMPDIR:-/tmp}/capture.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$out"

# --- the initramfs: busybox, the driver and what modules.dep says it needs, and /init -----------------
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,mod}
cp "$busybox" "$root/bin/busybox"
for a in sh mount insmod rmmod ip cat sleep echo poweroff ls seq test uname dmesg grep; do ln -s busybox "$root/bin/$a"; done
# modules.dep: "kernel/.../x.ko: dep1.ko dep2.ko" (deps listed before use is the reverse order)
modline=$(grep -E "/${driver}\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" || true)
[ -n "$modline" ] || { echo "capture.sh: module $driver not in $moddir/modules.dep" >&2; exit 1; }
mods=()
for m in $(echo "${modline#*:}" | tr ' ' '\n' | tac) "${modline%%:*}"; do
  [ -n "$m" ] || continue
  f=$moddir/$m; base=$(basename "$m"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
  case "$m" in
    *.xz) xz -dc "$f" > "$root/mod/$base" ;;
    *.zst) zstd -qdc "$f" > "$root/mod/$base" ;;
    *.gz) gzip -dc "$f" > "$root/mod/$base" ;;
    *) cp "$f" "$root/mod/$base" ;;
  esac
  mods+=("$base")
done
modname=$(basename "${mods[-1]}" .ko)
cat > "$root/init" <<EOF
#!/bin/sh
# written by scripts/capture.sh: mode=$mode driver=$driver
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
say() { echo "capture: \$*" > /dev/ttyS0; }
waitnet() {
  for i in \$(seq 1 100); do [ -e /sys/class/net/eth0/address ] && return 0; sleep 0.1; done
  say "eth0 did not appear"; return 1
}
say "linux \$(uname -r)"
for d in /sys/bus/pci/devices/*; do say "pci \${d##*/} \$(cat \$d/vendor):\$(cat \$d/device) class \$(cat \$d/class)"; done
# the BARs as the firmware placed them (sysfs' copy; reading it does not touch the device)
n=0; while read -r start end flags; do
  [ "\$start" != 0x0000000000000000 ] && say "bar \$n \$start-\$end flags \$flags"; n=\$((n+1))
done < /sys/bus/pci/devices/0000:$bdf/resource
for m in ${mods[*]}; do say "insmod \$m"; insmod /mod/\$m; done
waitnet && say "eth0 address \$(cat /sys/class/net/eth0/address)"
if [ "$mode" = order ]; then
  say "ip link set eth0 up"; ip link set eth0 up; sleep 1
  say "ip link set eth0 down"; ip link set eth0 down; sleep 1
  say "ip link set eth0 up"; ip link set eth0 up; sleep 1
fi
if [ "$mode" != probe ]; then
  say "rmmod $modname"; rmmod $modname
  [ -e /sys/class/net/eth0 ] && say "eth0 still there after rmmod"
  say "insmod ${mods[-1]}"; insmod /mod/${mods[-1]}
  waitnet && say "eth0 address \$(cat /sys/class/net/eth0/address)"
fi
dmesg | grep -E "$driver|eth0|0000:$bdf" | while read -r l; do say "dmesg: \$l"; done
say "poweroff"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > "$work/initrd.gz"

# A NIC that QEMU emulates gets a network back end and the MAC; a device of another kind (a generated one)
# is given by its name alone (--qdev), and what it answers is its own.
if [ "$qdev" = "$d_qdev" ]; then devargs=(-device "$qdev,netdev=n0,mac=$mac,romfile=" -netdev user,id=n0,restrict=on)
else devargs=(-device "$qdev"); fi

# --- the run -----------------------------------------------------------------------------------------
cmd=("$qemu" -M q35 -accel tcg -m 256 -nodefaults -display none -no-reboot
  -kernel "$kernel" -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1"
  -serial "file:$work/console.log"
  "${devargs[@]}"
  -trace 'memory_region_ops_*' -D "$work/trace.log" -msg timestamp=on "${extra_qemu[@]}")
printf '%q ' "${cmd[@]}" | sed "s#$work/#\$WORK/#g" > "$out/$name.cmd"; echo >> "$out/$name.cmd"
if ! timeout "$timeout_s" "${cmd[@]}" < /dev/null; then
  echo "capture.sh: qemu failed or timed out (${timeout_s}s); console:" >&2; tail -20 "$work/console.log" >&2 || true
  exit 1
fi
cp "$work/console.log" "$out/$name.console.log"
grep -q '^capture: poweroff' "$work/console.log" || { echo "capture.sh: the guest did not reach poweroff" >&2; exit 1; }

# --- the filter: the device's regions, and its config space ---------------------------------------------
# pci-conf-idx: a 4-byte write to 0xcf8 selects (bus, dev, fn, reg); QEMU ignores other widths. The
# selections of this device are kept with the pci-conf-data accesses that follow them; the others are
# dropped with theirs. pcie-mmcfg-mmio: kept when the address falls in this device's 4 KiB of ECAM.
bus=$((16#${bdf%%:*})); rest=${bdf#*:}; dev=$((16#${rest%%.*})); fn=$((16#${rest#*.}))
sel=$(( 0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) ))
ecam=$(( mmcfg_base + ((bus << 20) | (dev << 15) | (fn << 12)) ))
[ "$keep_raw" = 1 ] && gzip -c "$work/trace.log" > "$out/$name.raw.log.gz"
awk -v regions="$regions" -v sel="$sel" -v ecam="$ecam" -v q="'" '
  function hex(s,   n, i, c) { n = 0; s = tolower(s); sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c } return n }
  function field(k,   i) { for (i = 1; i < NF; i++) if ($i == k) return $(i + 1); return "" }
  BEGIN { n = split(regions, r, ","); for (i = 1; i <= n; i++) want[q r[i] q] = 1; on = 0 }
  !/memory_region_ops_(read|write)/ { next }
  { nm = $NF }
  nm == q "pci-conf-idx" q {
    if ($0 ~ /memory_region_ops_write/ && field("size") == 4) {
      v = hex(field("value")); on = (v >= sel && v < sel + 256) ? 1 : 0; if (on) print
    }
    next }
  nm == q "pci-conf-data" q { if (on) print; next }
  nm == q "pcie-mmcfg-mmio" q { a = hex(field("addr")); if (a >= ecam && a < ecam + 4096) print; next }
  nm in want { print }
' "$work/trace.log" > "$work/filtered.log"
gzip -9n < "$work/filtered.log" > "$out/$name.log.gz"
raw=$(wc -l < "$work/trace.log"); kept=$(wc -l < "$work/filtered.log")
echo "capture.sh: $name: $kept of $raw trace lines kept -> $out/$name.log.gz" >&2
grep '^capture:' "$work/console.log" >&2
