-- wrk load script for `plexus serve` (docs/SERVE.md): POST /predict with WRK_ROWS rows (default 1)
-- of the classification data of tests/e2e/serve_test.sh, probabilities on.
--   wrk -t4 -c16 -d30s --latency -s bench/serve_predict.lua http://127.0.0.1:8080/predict
local rows = tonumber(os.getenv("WRK_ROWS") or "1")
local row = '{"id": "id0001", "colour": "green", "x1": 0.4213, "x2": -1.0375, "x3": 0.5512}'
local list = {}
for i = 1, rows do list[i] = row end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"rows": [' .. table.concat(list, ", ") .. '], "proba": true}'

local bad = 0
response = function(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if bad == 1 then print("HTTP " .. status .. ": " .. body) end
  end
end
