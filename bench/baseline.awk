# The awk program a user would write instead of mmio-parse: every access line of a QEMU
# log-backend trace (vfio_region_read/write, memory_region_ops_read/write) as one JSON line
# with the same fields mmio-parse emits. Used by bench/run.mjs as the speed baseline.
#   awk -f bench/baseline.awk trace.log > events.ndjson
{
  at = index($0, "@"); colon = index($0, ":")
  if (at == 0 || colon < at) next
  tid = substr($0, 1, at - 1); t = substr($0, at + 1, colon - at - 1)
  ev = substr($0, colon + 1)
}
ev ~ /^vfio_region_write / {
  # vfio_region_write  (0000:03:00.0:region2+0x180000, 0xb80ef000, 4)
  split(ev, f, /[ (),+]+/); n = split(f[2], d, ":region")
  printf "{\"type\":\"write\",\"src\":\"vfio\",\"dev\":\"%s\",\"region\":%s,\"offset\":\"%s\",\"width\":%s,\"value\":\"%s\",\"t\":%s,\"tid\":%s,\"line\":%d}\n", d[1], d[2], f[3], f[5], f[4], t, tid, NR
  next
}
ev ~ /^vfio_region_read / {
  # vfio_region_read  (0000:03:00.0:region0+0x1804, 4) = 0x0
  split(ev, f, /[ (),+=]+/); n = split(f[2], d, ":region")
  printf "{\"type\":\"read\",\"src\":\"vfio\",\"dev\":\"%s\",\"region\":%s,\"offset\":\"%s\",\"width\":%s,\"value\":\"%s\",\"t\":%s,\"tid\":%s,\"line\":%d}\n", d[1], d[2], f[3], f[4], f[5], t, tid, NR
  next
}
ev ~ /^memory_region_ops_(read|write) / {
  # memory_region_ops_write cpu 0 mr 0x55bba9fce650 addr 0x70 value 0x8f size 1 name 'rtc-index'
  split(ev, f, / +/); type = (f[1] ~ /write$/) ? "write" : "read"
  name = f[13]; gsub(/'/, "", name)
  printf "{\"type\":\"%s\",\"src\":\"memory\",\"name\":\"%s\",\"addr\":\"%s\",\"width\":%s,\"value\":\"%s\",\"t\":%s,\"tid\":%s,\"line\":%d}\n", type, name, f[7], f[11], f[9], t, tid, NR
  next
}
