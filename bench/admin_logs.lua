-- admin_logs.lua — wrk script for bench/admin_logs.sh: each request POSTs a
-- batch of N records (env N, default 10) with a batch_id unique across
-- threads and runs (env RUN). Records are decisions, plus one sample (with
-- 5 containers) per batch, like one manager cycle.
local n = tonumber(os.getenv("N") or "10")
local run = os.getenv("RUN") or tostring(os.time())
-- threads are numbered in the main state; each thread's own state gets its
-- number as the global `id` (a local here would shadow it)
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("id", nthreads)
end
function init(args)
  counter = 0
  local ts = 1764338400000000000
  local cs = {}
  for k = 1, 5 do
    cs[k] = string.format('{"id":"c%05d","name":"gestor-high-cpu-%d","class":"high","label_class":"high-cpu","cpu_pct":85.5,"rss_kb":20480,"mem_kb":21000,"mem_pct":0.08,"procs":1}', k, k)
  end
  local recs = {}
  recs[1] = string.format('{"type":"sample","ts_ns":%d,"cycle":1,"source":"procfs","memory":{"total_kb":24684544,"used_kb":3123456,"available_kb":21561088},"cpu_pct":47.5,"containers":[%s]}', ts, table.concat(cs, ","))
  for i = 2, n do
    recs[i] = string.format('{"type":"decision","ts_ns":%d,"cycle":1,"container":{"id":"c%05d","name":"gestor-low-%d"},"class":"low","action":"kept","reason":"within quota","rank":%d,"metrics":{"cpu_pct":1.5,"rss_kb":2048,"mem_kb":3000,"mem_pct":0.01}}', ts + i, i, i, i)
  end
  tail = '","host":"bench","records":[' .. table.concat(recs, ",") .. ']}'
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  return wrk.format(nil, "/logs", nil, '{"batch_id":"' .. run .. '-' .. id .. '-' .. counter .. tail)
end
