/**
 * The Lua scripts of the Redis store (store-redis.ts, PROTOCOL §14). Redis runs a script alone,
 * with nothing of another client between its commands, so each write that must be atomic across
 * several keys, or must compare before it sets, is one script. They are sent with EVALSHA (loaded
 * on first use); a script's text is its identity, so changing one changes its SHA and every
 * process loads the new text.
 *
 * Key names are those of store-redis.ts's header (`g:{group}`, `e:{group}`, …, all under the
 * deployment's prefix). A script that writes to keys it computes itself (COMMIT, whose batch spans
 * groups) takes the prefix as an argument; the others take their keys in KEYS.
 */

/** One append of a COMMIT batch, as JSON in ARGV[2] (the store builds it from an AppendRecord). */
export interface CommitItem {
	/** Group id. */
	g: string;
	/** The entry's seq: must be the stored head's seq + 1 (or the previous item's of the group + 1). */
	seq: number;
	/** The EntryRecord JSON, stored in `e:{g}` (and `o:{g}` for an op) scored by seq. */
	rec: string;
	/** Whether the entry is an op. */
	op: boolean;
	/** The client's message id, and its MidRecord JSON for `m:{g}` (retries find it). */
	mid: string;
	midrec: string;
	/** The new head ({seq, ts} JSON). */
	head: string;
	/** For an op: the new GroupState JSON, its head op hash and length (the `x:{g}` index, §3.5). */
	state?: string;
	hash?: string;
	len?: string;
	/** The FedEntry JSON published on `feed` for the other processes (§14.3). */
	pub: string;
}

/**
 * A batch of appends, possibly of several groups, compare-and-set on each group's head: every
 * group's stored head must be the seq just below its first appended entry (the state the
 * appending process validated against is still the stored one). Only then does it write the
 * entries, indexes, heads and states, add a new group to `groups`, and publish each entry on
 * `feed`, in order. With `appendonly yes` and `appendfsync always`, Redis fsyncs the AOF before
 * it replies and before subscribers see the published entry.
 *
 * KEYS: none. ARGV[1]: the key prefix; ARGV[2]: CommitItem[] as JSON.
 * Reply: `{'ok'}`, or `{'conflict', group, stored head seq}` with nothing written.
 */
export const COMMIT = `
local p = ARGV[1]
local list = cjson.decode(ARGV[2])
local heads = {}
for _, a in ipairs(list) do
  local h = heads[a.g]
  if h == nil then
    local raw = redis.call('HGET', p .. 'g:' .. a.g, 'head')
    if raw then h = cjson.decode(raw).seq else h = 0 end
  end
  if a.seq ~= h + 1 then return {'conflict', a.g, tostring(h)} end
  heads[a.g] = a.seq
end
for _, a in ipairs(list) do
  redis.call('ZADD', p .. 'e:' .. a.g, a.seq, a.rec)
  if a.op then redis.call('ZADD', p .. 'o:' .. a.g, a.seq, a.rec) end
  redis.call('HSET', p .. 'm:' .. a.g, a.mid, a.midrec)
  redis.call('HSET', p .. 'g:' .. a.g, 'head', a.head)
  if a.state then
    redis.call('HSET', p .. 'g:' .. a.g, 'state', a.state)
    redis.call('HSET', p .. 'x:' .. a.g, a.hash, a.len)
    if a.seq == 1 then redis.call('ZADD', p .. 'groups', 0, a.g) end
  end
  redis.call('PUBLISH', p .. 'feed', a.pub)
end
return {'ok'}
`;

/**
 * Stores a report under the next number of its target's counter, numbering and storing in one
 * step: a moderator paging by number (`after`) never passes a number whose report is stored later.
 *
 * KEYS[1]: `rn:{target}` (the last number); KEYS[2]: `r:{target}` (the reports).
 * ARGV[1]: the report JSON without `seq`. Reply: the report's number.
 */
export const REPORT = `
local n = redis.call('INCR', KEYS[1])
local rec = cjson.decode(ARGV[1])
rec.seq = n
redis.call('ZADD', KEYS[2], n, cjson.encode(rec))
return n
`;

/**
 * Compare-and-set of one key's ban row: stored only when its ts is newer than the stored row's
 * (replay protection, §9.8b).
 *
 * KEYS[1]: `bans`. ARGV[1]: the identity key; ARGV[2]: the row's ts; ARGV[3]: the BanRecord JSON.
 * Reply: 1 when stored, 0 when an equal or newer row was kept.
 */
export const BAN = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and cjson.decode(old).ts >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/**
 * Replaces the entry at one seq with its tombstone (§9.8a) in one step, so no reader sees the seq
 * empty.
 *
 * KEYS[1]: `e:{group}`. ARGV[1]: the seq; ARGV[2]: the tombstone EntryRecord JSON. Reply: 1.
 */
export const ERASE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
`;
