-- sign.lua: wrk script of `make bench`: every request a new, correctly signed webhook.
--
-- Environment (set by tests/bench/ceiling.sh):
--   BENCH_PROVIDER  calcom (BOOKING_CREATED fixture, new payload.uid per request)
--                   or retell (call_started fixture, new call.call_id per request)
--   BENCH_CONF      switchboard.conf of the stack: the secrets are read from it
--   BENCH_SIG_SO    lib/base/sig.c built as a shared object: the signatures come from
--                   switchboard's own sig_calcom_sign / sig_retell_sign (LuaJIT FFI)
--   BENCH_QUOTA     optional: each thread stops after this many responses
-- done() prints one line for ceiling.sh:
--   BENCHLINE requests=N seconds=S rps=R p50_us=A p99_us=B errors=E
local ffi = require("ffi")
ffi.cdef [[
void sig_calcom_sign(const char *secret, const void *body, size_t len, char out[65]);
void sig_retell_sign(const char *api_key, const void *body, size_t len, int64_t ts_ms, char out[100]);
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]

local root = os.getenv("BENCH_ROOT") or "."
local provider = os.getenv("BENCH_PROVIDER") or "calcom"

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function conf_get(key)
  local v
  local path = assert(os.getenv("BENCH_CONF"), "BENCH_CONF is not set")
  for line in io.lines(path) do
    local k, val = line:match("^%s*([%w%._]+)%s*=%s*(.-)%s*$")
    if k == key then v = val end
  end
  return assert(v, key .. " missing in " .. path)
end

-- the fixture split around the value of its id field: body = head .. new id .. tail
local function template(path, field, id)
  local s = slurp(root .. "/" .. path)
  local needle = '"' .. field .. '": "' .. id .. '"'
  local i, j = s:find(needle, 1, true)
  assert(i, needle .. " not in " .. path)
  return s:sub(1, i + #needle - #id - 2), s:sub(j)
end

local thread_no = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("thread_no", thread_no)
end

local sig, secret, head, tail, header, ts, out, counter, tag, quota, answered
function init(args)
  local so = assert(os.getenv("BENCH_SIG_SO"), "BENCH_SIG_SO is not set")
  sig = ffi.load(so)
  ts = ffi.new("bench_timespec")
  ffi.C.clock_gettime(0, ts)
  tag = string.format("%d%06d-%d", tonumber(ts.tv_sec), tonumber(ts.tv_nsec) / 1000, thread_no)
  counter, answered = 0, 0
  quota = tonumber(os.getenv("BENCH_QUOTA") or "")
  if provider == "retell" then
    secret = conf_get("retell.api_key")
    head, tail = template("tests/fixtures/retell/webhook_call_started.json", "call_id", "call_9f2c41d7b8e34a6f8d12c07be5a91f3e")
    header, out = "X-Retell-Signature", ffi.new("char[100]")
  else
    secret = conf_get("calcom.webhook_secret")
    head, tail = template("tests/fixtures/calcom/webhook_booking_created.json", "uid", "mT4kQ8vXb2nR7sLp9wE3Yd")
    header, out = "X-Cal-Signature-256", ffi.new("char[65]")
  end
end

function request()
  counter = counter + 1
  local body = head .. "bench-" .. tag .. "-" .. counter .. tail
  if provider == "retell" then
    ffi.C.clock_gettime(0, ts)
    local now_ms = tonumber(ts.tv_sec) * 1000 + math.floor(tonumber(ts.tv_nsec) / 1000000)
    sig.sig_retell_sign(secret, body, #body, now_ms, out)
  else
    sig.sig_calcom_sign(secret, body, #body, out)
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", [header] = ffi.string(out) }, body)
end

if os.getenv("BENCH_QUOTA") then
  function response(status, headers, body)
    answered = answered + 1
    if answered >= quota then wrk.thread:stop() end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHLINE requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
