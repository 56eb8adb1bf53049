/**
 * The Lua scripts behind RedisSessionStore. Each runs atomically in Redis,
 * so two instances creating, reading or evicting sessions at once see one
 * order of events, and each is one round trip.
 *
 * Layout (prefix `p`):
 *   p:session:<id>   hash: one field per SessionData field (JSON), plus
 *                    `_confirmed` (a second request came) and `_client`
 *   p:sessions       zset: id → deadline (ms): when the session expires
 *   p:client:<key>   zset: the client's session ids → deadline
 *   p:held           zset: id → lease deadline of the instance holding it
 *                    (an open stream or socket); held sessions are not
 *                    evicted, and the holder keeps pushing their deadline
 *
 * A session is alive while its deadline is in the future. The deadline is
 * the only truth (the hash has a Redis TTL too, only so that nothing is left
 * behind if every instance dies). Scripts return the ids they ended, which
 * the caller announces to every instance.
 */

/** Ends one session: its hash and its entries in every zset. Shared by the scripts below. */
const END = `
local function end_session(p, id)
  local key = p .. 'session:' .. id
  local client = redis.call('HGET', key, '_client')
  if client then
    redis.call('ZREM', p .. 'client:' .. client, id)
    if redis.call('ZCARD', p .. 'client:' .. client) == 0 then redis.call('DEL', p .. 'client:' .. client) end
  end
  redis.call('DEL', key)
  redis.call('ZREM', p .. 'held', id)
  return redis.call('ZREM', p .. 'sessions', id)
end

local function held(p, id, now)
  local lease = redis.call('ZSCORE', p .. 'held', id)
  return lease and tonumber(lease) >= now
end

local function purge(p, now, ended)
  local expired = redis.call('ZRANGEBYSCORE', p .. 'sessions', '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(expired) do
    if not held(p, id, now) and end_session(p, id) == 1 then table.insert(ended, id) end
  end
end

local function set_deadline(p, id, client, deadline)
  redis.call('ZADD', p .. 'sessions', deadline, id)
  redis.call('ZADD', p .. 'client:' .. client, deadline, id)
  redis.call('PEXPIREAT', p .. 'session:' .. id, deadline + 60000)
end
`

/**
 * KEYS: none (the prefix is ARGV[1]; single-node Redis).
 * ARGV: prefix, id, client, now, unconfirmedMs, maxSessions, maxPerClient, then field/value pairs.
 * Returns { status, ended, retryAfterMs }: status 1 created, 0 store full, -1 client's quota full of held sessions.
 */
export const CREATE = END + `
local p, id, client = ARGV[1], ARGV[2], ARGV[3]
local now, unconfirmed = tonumber(ARGV[4]), tonumber(ARGV[5])
local max_sessions, max_per_client = tonumber(ARGV[6]), tonumber(ARGV[7])
local ended = {}
local own_key = p .. 'client:' .. client
redis.call('ZREMRANGEBYSCORE', own_key, '-inf', '(' .. (now - 60000))
if redis.call('ZCARD', own_key) >= max_per_client then
  -- The client makes room by losing its own session closest to expiry that is not held.
  local victim = nil
  for _, candidate in ipairs(redis.call('ZRANGE', own_key, 0, -1)) do
    if not held(p, candidate, now) then victim = candidate break end
  end
  if victim == nil then return { -1, ended, unconfirmed } end
  if end_session(p, victim) == 1 then table.insert(ended, victim) end
  redis.call('ZREM', own_key, victim)
end
if redis.call('ZCARD', p .. 'sessions') >= max_sessions then purge(p, now, ended) end
if redis.call('ZCARD', p .. 'sessions') >= max_sessions then
  local first = redis.call('ZRANGE', p .. 'sessions', 0, 0, 'WITHSCORES')
  local wait = 1000
  if first[2] then wait = math.max(1000, tonumber(first[2]) - now) end
  return { 0, ended, wait }
end
local key = p .. 'session:' .. id
for i = 8, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
redis.call('HSET', key, '_confirmed', '0', '_client', client)
set_deadline(p, id, client, now + unconfirmed)
return { 1, ended, 0 }
`

/**
 * ARGV: prefix, id, now, idleMs. Returns the hash as a flat list, or an
 * empty list (unknown or expired; an expired one is ended and its id is the
 * second element of { false, id }).
 */
export const GET = END + `
local p, id = ARGV[1], ARGV[2]
local now, idle = tonumber(ARGV[3]), tonumber(ARGV[4])
local deadline = redis.call('ZSCORE', p .. 'sessions', id)
if not deadline then return { 0 } end
if tonumber(deadline) < now and not held(p, id, now) then
  end_session(p, id)
  return { -1, id }
end
local key = p .. 'session:' .. id
local client = redis.call('HGET', key, '_client')
if not client then
  end_session(p, id)
  return { -1, id }
end
redis.call('HSET', key, '_confirmed', '1')
set_deadline(p, id, client, math.max(tonumber(deadline), now + idle))
return { 1, redis.call('HGETALL', key) }
`

/** ARGV: prefix, id, then field/value pairs. Updates only a live session. */
export const UPDATE = `
local key = ARGV[1] .. 'session:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
return 1
`

/** ARGV: prefix, id. Returns 1 when the session existed. */
export const DELETE = END + `
return end_session(ARGV[1], ARGV[2])
`

/**
 * ARGV: prefix, now, leaseMs, idleMs, unconfirmedMs, held (1/0), ids…
 * Holding sets a lease and pushes the deadline past it; releasing gives the
 * session its idle time again from now.
 */
export const HOLD = `
local p, now, lease, idle, unconfirmed, hold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
for i = 7, #ARGV do
  local id = ARGV[i]
  local key = p .. 'session:' .. id
  local client = redis.call('HGET', key, '_client')
  if client and redis.call('ZSCORE', p .. 'sessions', id) then
    local deadline
    if hold == '1' then
      redis.call('ZADD', p .. 'held', now + lease, id)
      deadline = now + math.max(lease, idle)
    else
      redis.call('ZREM', p .. 'held', id)
      if redis.call('HGET', key, '_confirmed') == '1' then deadline = now + idle else deadline = now + unconfirmed end
    end
    redis.call('ZADD', p .. 'sessions', deadline, id)
    redis.call('ZADD', p .. 'client:' .. client, deadline, id)
    redis.call('PEXPIREAT', key, deadline + 60000)
  end
end
return 1
`

/** ARGV: prefix, now. Ends expired sessions; returns their ids. */
export const SWEEP = END + `
local ended = {}
purge(ARGV[1], tonumber(ARGV[2]), ended)
return ended
`
