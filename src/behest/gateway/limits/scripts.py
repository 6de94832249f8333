"""The Redis backend's Lua scripts: the same arithmetic as ``memory.py``, atomically.

A bucket is stored as the string ``"<level> <stamp>"`` (``%.17g``, exact doubles); a
budget counter as an integer; the concurrency leases as a sorted set scored by expiry.
Each script reads all its keys with one MGET: inside a script every ``redis.call``
costs about as much as the command itself, so reads are batched and writes skipped
when they change nothing (a budget counter keeps the expiry set when it was created).
``%.17g`` and pattern matching are the scripts' other big costs: a bucket is split at
its space with ``find``, and a stamp left as it was is written back as the text read.

The numbers of the checks travel as one string of little-endian doubles (``struct``
on both sides), not as one argument each: packing an argument costs the client more
than anything else per command, and reading one costs the script a ``tonumber``.
Limits, amounts and expiries are integers well within a double's exact range, as
``tonumber`` read them before; the amounts a counter is incremented by stay decimal
text, for INCRBY's exact integer arithmetic.
"""

# KEYS: rate keys (n_rate), budget keys (n_budget), [concurrency key]
# ARGV: now ('' = server TIME), checks, tokens, nanos, cap ('' = none), lease,
#       lease_seconds. checks: n_rate, n_budget, then limit, amount per rate check;
#       limit, unit (0 tokens, 1 nanos), expire seconds per budget check.
# Returns {1, now, level...} when admitted, else {0, kind, index, wait} (nothing written).
ADMIT = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local find, sub, format = string.find, string.sub, string.format
local n_rate, n_budget = struct.unpack('<dd', ARGV[2])
local spec = {struct.unpack('<' .. string.rep('d', 2 * n_rate + 3 * n_budget), ARGV[2], 17)}
local amounts, cap = {tonumber(ARGV[3]), tonumber(ARGV[4])}, tonumber(ARGV[5])
local n = n_rate + n_budget
local stored = n > 0 and redis.call('MGET', unpack(KEYS, 1, n)) or {}
local kind, index, worst = 0, 0, -1
local levels, stamps, kept = {}, {}, {}
for i = 1, n_rate do
  local limit, amount = spec[2 * i - 1], spec[2 * i]
  local level, stamp, stamp_text = 0, now, false
  local raw = stored[i]
  if raw then
    local gap = find(raw, ' ', 1, true)
    stamp_text = sub(raw, gap + 1)
    level, stamp = tonumber(sub(raw, 1, gap - 1)), tonumber(stamp_text)
    if now > stamp then
      level = math.max(0, level - (now - stamp) * limit / 60)
      stamp, stamp_text = now, false
    end
  end
  local after = level + amount
  if after > limit + 1e-9 then
    local wait = (after - limit) * 60 / limit
    if amount > limit then wait = math.huge end
    if wait > worst then kind, index, worst = 1, i - 1, wait end
  end
  levels[i], stamps[i], kept[i] = after, stamp, stamp_text
end
local ckey = KEYS[n + 1]
if cap then
  redis.call('ZREMRANGEBYSCORE', ckey, '-inf', now)
  if redis.call('ZCARD', ckey) >= cap then kind, index = 2, 0 end
end
local b = 2 * n_rate
for j = 1, n_budget do
  local used = stored[n_rate + j]
  used = used and tonumber(used) or 0
  if used + amounts[spec[b + 2] + 1] > spec[b + 1] then
    kind, index = 3, j - 1
    break
  end
  b = b + 3
end
if kind > 0 then
  return {0, kind, index, format('%.17g', worst)}
end
local clock = format('%.17g', now)
local out = {1, clock}
for i = 1, n_rate do
  local level, stamp = levels[i], stamps[i]
  local ttl = math.ceil((stamp - now + level * 60 / spec[2 * i - 1]) * 1000) + 1000
  local shown = format('%.17g', level)
  redis.call('SET', KEYS[i], shown .. ' ' .. (kept[i] or clock), 'PX', ttl)
  out[i + 2] = shown
end
b = 2 * n_rate
for j = 1, n_budget do
  local key, unit = KEYS[n_rate + j], spec[b + 2] + 1
  if stored[n_rate + j] then
    if amounts[unit] ~= 0 then redis.call('INCRBY', key, ARGV[2 + unit]) end
  else
    redis.call('SET', key, ARGV[2 + unit], 'EX', string.format('%d', spec[b + 3]))
  end
  b = b + 3
end
if cap then
  local lease_seconds = tonumber(ARGV[7])
  redis.call('ZADD', ckey, now + lease_seconds, ARGV[6])
  redis.call('PEXPIRE', ckey, math.ceil(lease_seconds * 1000) + 1000)
end
return out
"""

# KEYS: token rate keys (n_rate), budget keys (n_budget), [concurrency key]
# ARGV: now ('' = server TIME), checks, tokens delta, nanos delta, lease ('' = none).
#       checks: n_rate, n_budget, then limit per rate key; unit (0 tokens, 1 nanos),
#       expire seconds per budget key.
# Levels and counters never go below zero; a missing key only ever grows.
ADJUST = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local n_rate, n_budget = struct.unpack('<dd', ARGV[2])
local spec = {struct.unpack('<' .. string.rep('d', n_rate + 2 * n_budget), ARGV[2], 17)}
local deltas = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local n = n_rate + n_budget
local stored = n > 0 and redis.call('MGET', unpack(KEYS, 1, n)) or {}
local delta = deltas[1]
for i = 1, n_rate do
  local raw = stored[i]
  if delta ~= 0 and (raw or delta > 0) then
    local level, stamp, stamp_text = 0, now, nil
    if raw then
      local gap = string.find(raw, ' ', 1, true)
      stamp_text = string.sub(raw, gap + 1)
      level, stamp = tonumber(string.sub(raw, 1, gap - 1)), tonumber(stamp_text)
    else
      stamp_text = string.format('%.17g', now)
    end
    level = math.max(0, level + delta)
    local ttl = math.max(1000, math.ceil((stamp - now + level * 60 / spec[i]) * 1000) + 1000)
    redis.call('SET', KEYS[i], string.format('%.17g', level) .. ' ' .. stamp_text, 'PX', ttl)
  end
end
local b = n_rate
for j = 1, n_budget do
  local key, unit = KEYS[n_rate + j], spec[b + 1] + 1
  local change = deltas[unit]
  if change ~= 0 then
    if stored[n_rate + j] then
      if redis.call('INCRBY', key, ARGV[2 + unit]) < 0 then
        redis.call('SET', key, 0, 'KEEPTTL')
      end
    elseif change > 0 then
      redis.call('SET', key, ARGV[2 + unit], 'EX', string.format('%d', spec[b + 2]))
    end
  end
  b = b + 2
end
if ARGV[5] ~= '' then
  redis.call('ZREM', KEYS[n + 1], ARGV[5])
end
return 1
"""
