-- certgate echo for HAProxy (a Lua HTTP service): reads the whole request body, then answers JSON with the values
-- the frontend stored in txn variables from its ssl_c_* fetches. Values are escaped for JSON here.

local function jstr(s)
  if s == nil or s == "" then return "null" end
  s = tostring(s):gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format('\\u%04x', c:byte())
  end)
  return '"' .. s .. '"'
end

core.register_service("certgate_echo", "http", function(applet)
  local body = applet:receive()
  local n = body and #body or 0
  local used = applet:get_var("txn.cg_used")
  local code = applet:get_var("txn.cg_verify")
  local verify = "NONE"
  if used == true or used == 1 or used == "1" then
    if tonumber(code) == 0 then verify = "SUCCESS" else verify = "FAILED" end
  end
  local cl = applet.headers["content-length"]
  cl = cl and cl[0] or nil
  -- applet.version is "HTTP/1.1" / "HTTP/2.0" in 2.6; older builds gave the bare number.
  local version = tostring(applet.version)
  if not version:find("^HTTP/") then version = "HTTP/" .. version end
  local out = "{" .. table.concat({
    '"gateway":"haproxy"',
    '"verify":' .. jstr(verify),
    '"verifyDetail":' .. jstr(tostring(code)),
    '"subject":' .. jstr(applet:get_var("txn.cg_subject")),
    '"issuer":' .. jstr(applet:get_var("txn.cg_issuer")),
    '"serial":' .. jstr(applet:get_var("txn.cg_serial")),
    '"thumbprint":' .. jstr(applet:get_var("txn.cg_sha1")),
    '"method":' .. jstr(applet.method),
    '"path":' .. jstr(applet.path),
    '"httpVersion":' .. jstr(version),
    '"tlsVersion":' .. jstr(applet:get_var("txn.cg_tls")),
    '"contentLength":' .. (cl and tonumber(cl) and tostring(tonumber(cl)) or "null"),
    '"bodyBytes":' .. tostring(n),
  }, ",") .. "}\n"
  applet:set_status(200)
  applet:add_header("content-type", "application/json")
  applet:add_header("content-length", tostring(#out))
  -- The policy-library convention: the certificate's SHA-1 in hex when the setup forwards it (forwardCertificate),
  -- otherwise "none" (the backend was told of no certificate).
  local forwarded = "none"
  local fwd = applet:get_var("txn.cg_forward")
  if fwd == true or fwd == 1 or fwd == "1" then
    local sha1 = applet:get_var("txn.cg_sha1")
    if sha1 ~= nil and sha1 ~= "" then forwarded = sha1 end
  end
  applet:add_header("x-certgate-client-thumbprint", forwarded)
  applet:start_response()
  applet:send(out)
end)
