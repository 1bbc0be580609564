-- wrk script of bench/submit.py: POST the new-request form with the session and CSRF cookies (SUBMIT_COOKIE),
-- the form's fields and CSRF token (SUBMIT_BODY) and a submission token of its own per request, so that every
-- request files a new ticket (a repeated token would only find the first one again).
local cookie = os.getenv("SUBMIT_COOKIE")
local body = os.getenv("SUBMIT_BODY")
local prefix
local counter = 0

function init(args)
  -- A prefix per wrk thread: the table's address differs between threads, the time between runs.
  prefix = string.format("wrk%s%d", string.gsub(tostring({}), "[^%x]", ""), os.time())
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body .. "&submission=" .. prefix .. "-" .. counter)
end
