# mmio.jq — jq helpers for mmio-tools events (jq 1.6 and later).
#
#   jq -L "$(mmio-parse --jq-path)" 'include "mmio"; select(.value | hexbit(3))'
#
# Values, offsets and addresses travel as lowercase hex strings ("0x1f") so that 64-bit values stay
# exact: jq's numbers are doubles, exact only up to 2^53. These helpers work on the hex text, so
# every comparison, sort key and bit test below is exact for all 64 bits; only hex2num (a number,
# for arithmetic) is exact just up to 2^53 — it says so with an error past that.

# The hex digits of "0x…" (lowercase, without the 0x). Anything but a string is an error that says
# what it got: an event without the field (a device, a map, a mark has no value) is not a hex string.
def _digits:
  if type == "string" then ascii_downcase | ltrimstr("0x")
  else error("mmio.jq: \(tojson) is not a hex string (select the events that have the field first: accesses | …)") end;

# The value of one hex digit character.
def _digit: explode[0] | if . >= 97 then . - 87 elif . >= 65 then . - 55 else . - 48 end;

# "0x…" as a number. Exact up to 2^53 (an error past that: use hexkey, hexcmp or hexbit instead).
def hex2num:
  (_digits | explode | map([.] | implode | _digit) | reduce .[] as $d (0; . * 16 + $d)) as $n
  | if $n > 9007199254740991 then error("hex2num: \(.) is past 2^53, not exact as a jq number") else $n end;

# A non-negative integer as canonical "0x…".
def num2hex:
  if . < 0 or . != floor then error("num2hex: \(.) is not a non-negative integer") else . end
  | if . == 0 then "0x0" else
      [recurse(if . >= 16 then (. / 16 | floor) else empty end) | . % 16]
      | reverse | map(if . < 10 then . + 48 else . + 87 end) | "0x" + implode
    end;

# A sort key that orders hex strings as numbers, exactly: the digits padded to 16.
# sort_by(.value | hexkey) sorts "0x20" before "0x100", as it should.
def hexkey: _digits | ("0" * (16 - length)) + .;

# Compare two hex strings as numbers: -1, 0 or 1.
def hexcmp($a; $b): ($a | hexkey) as $x | ($b | hexkey) as $y | if $x < $y then -1 elif $x > $y then 1 else 0 end;
def hexlt($b): hexcmp(.; $b) < 0;
def hexgt($b): hexcmp(.; $b) > 0;
def hexeq($b): hexcmp(.; $b) == 0;

# Bit $n (0 = least significant) of a hex string: true or false, exact for all 64 bits.
def hexbit($n):
  _digits as $d
  | ($d | length) as $len
  | (($n / 4) | floor) as $i
  | if $i >= $len then false
    else (($d[$len - 1 - $i:$len - $i] | _digit) / pow(2; $n % 4) | floor) % 2 == 1
    end;

# Bits $lo..$hi (inclusive) of a hex string as a number (at most 53 bits wide).
def hexbits($lo; $hi):
  if $hi - $lo >= 53 then error("hexbits: \($hi - $lo + 1) bits do not fit a jq number exactly") else . end
  | . as $h | reduce range($hi; $lo - 1; -1) as $b (0; . * 2 + (if ($h | hexbit($b)) then 1 else 0 end));

# Do all the set bits of $mask (a hex string) appear in the value? (a test of flags)
def hexhas($mask): . as $v | [range(0; ($mask | _digits | length) * 4) | select(. as $b | $mask | hexbit($b))] | all(. as $b | $v | hexbit($b));

# The events of one kind.
def accesses: select(.type == "read" or .type == "write");
def writes: select(.type == "write");
def reads: select(.type == "read");

# Where an access is: its offset in the region, or its absolute address.
def where: .offset // .addr;
