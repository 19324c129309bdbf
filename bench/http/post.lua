-- wrk script: POSTs a unique ticket-closed or submission body per request
-- (BENCH_KIND=ticket|submission|new_concern), so every request does the real
-- work: a prompt recorded, or a durable submission, never an idempotent
-- replay. "submission" puts every one on the same dwelling's concern;
-- "new_concern" each at a dwelling of its own, so that each opens a concern.
local kind = os.getenv("BENCH_KIND")
local token = os.getenv("BENCH_TOKEN")
local now = os.getenv("BENCH_NOW")
-- Unique per wrk run: a later round must not repeat an earlier round's keys
-- and tickets (it would time idempotent replays and tickets already asked).
local run = os.getenv("BENCH_RUN")
local counter = 0
local thread_number = 0

function setup(thread)
   thread_number = thread_number + 1
   thread:set("thread_id", thread_number)
end

function request()
   counter = counter + 1
   local key = "bench-" .. run .. "-" .. tostring(thread_id) .. "-" .. counter
   local path, body
   if kind == "ticket" then
      path = "/v1/tickets/closed"
      body = '{"host_ticket_id":"' .. key .. '","unit_id":"bench-unit","work_type":"REP",' ..
             '"entered_dwelling":true,"technician_id":"bench-tech","closed_at":"' .. now .. '"}'
   else
      local unit = kind == "new_concern" and key or "bench-unit"
      path = "/v1/submissions"
      body = '{"idempotency_key":"' .. key .. '","ticket":{"host_ticket_id":"' .. key ..
             '","unit_id":"' .. unit .. '"},"signals":["mc.home.holes_in_walls_or_doors"],' ..
             '"observations":"bench","children_involved":"no","acute":false}'
   end
   return wrk.format("POST", path, {["Content-Type"] = "application/json",
                                    ["Authorization"] = "Bearer " .. token}, body)
end

function done(summary, latency, requests)
   io.write(string.format("non2xx=%d\n", summary.errors.status))
end
