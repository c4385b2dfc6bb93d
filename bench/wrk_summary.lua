-- bench/api.py's summary of a wrk run: one JSON line, latencies in microseconds.
-- Given a number after `--` (`--smoke`), each thread stops sending after that many
-- answers: a check that the routes answer, not a measure, costs little of the cores.
init = function(args)
  local limit = tonumber(args[1])
  if limit then
    local answered = 0
    response = function()
      answered = answered + 1
      if answered >= limit then
        wrk.thread:stop()
      end
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.status, e.connect + e.read + e.write + e.timeout))
end
