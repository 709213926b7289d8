-- certgate echo for Apache httpd (mod_lua, LuaMapHandler): reads the whole request body, then answers JSON with the
-- client-certificate verification result as mod_ssl reports it. Values are escaped for JSON here, in the server.

local function jstr(s)
  if s == nil or s == "" then return "null" end
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format('\\u%04x', c:byte())
  end)
  return '"' .. s .. '"'
end

-- The certificate's DER from its PEM. mod_lua's r:base64_decode drops a trailing NUL byte (it treats the result as a
-- C string), and a DER certificate can end in 0x00 (the last byte of its signature): the thumbprint was then the
-- SHA-1 of the certificate minus its last byte, for about one PKI in 256. Restore the length the DER header states.
function der_of(r, pem)
  local der = r:base64_decode((pem:gsub("%-%-%-%-%-[^%-]+%-%-%-%-%-", ""):gsub("%s", "")))
  if der:byte(1) == 0x30 and der:byte(2) == 0x82 then
    local want = 4 + der:byte(3) * 256 + der:byte(4)
    if #der < want then der = der .. string.rep("\0", want - #der) end
  end
  return der
end

function handle(r)
  local n = 0
  if r.headers_in["Content-Length"] or r.headers_in["Transfer-Encoding"] then
    local body = r:requestbody()
    n = body and #body or 0
  end
  local verify = r:ssl_var_lookup("SSL_CLIENT_VERIFY") or ""
  local normalised = "FAILED"
  if verify == "SUCCESS" then normalised = "SUCCESS" elseif verify == "NONE" or verify == "" then normalised = "NONE" end
  local thumbprint = nil
  local pem = r:ssl_var_lookup("SSL_CLIENT_CERT")
  if pem and pem ~= "" then thumbprint = string.upper(r:sha1(der_of(r, pem))) end
  local cl = r.headers_in["Content-Length"]
  r.content_type = "application/json"
  r:puts("{" .. table.concat({
    '"gateway":"apache"',
    '"verify":' .. jstr(normalised),
    '"verifyDetail":' .. jstr(verify),
    '"subject":' .. jstr(r:ssl_var_lookup("SSL_CLIENT_S_DN")),
    '"issuer":' .. jstr(r:ssl_var_lookup("SSL_CLIENT_I_DN")),
    '"serial":' .. jstr(r:ssl_var_lookup("SSL_CLIENT_M_SERIAL")),
    '"thumbprint":' .. jstr(thumbprint),
    '"method":' .. jstr(r.method),
    '"path":' .. jstr(r.uri),
    '"httpVersion":' .. jstr(r.protocol),
    '"tlsVersion":' .. jstr(r:ssl_var_lookup("SSL_PROTOCOL")),
    '"contentLength":' .. (cl and tonumber(cl) and tostring(tonumber(cl)) or "null"),
    '"bodyBytes":' .. tostring(n),
  }, ",") .. "}\n")
  return apache2.OK
end

-- The policy-library convention: the response header x-certgate-client-thumbprint carries the client certificate's
-- SHA-1 in hex, or "none" (handle_forwarding, for setups with forwardCertificate); handle_withholding always says
-- "none" (the backend was told of no certificate).
function handle_forwarding(r)
  local pem = r:ssl_var_lookup("SSL_CLIENT_CERT")
  local thumbprint = "none"
  if pem and pem ~= "" then thumbprint = string.upper(r:sha1(der_of(r, pem))) end
  r.headers_out["X-Certgate-Client-Thumbprint"] = thumbprint
  return handle(r)
end

function handle_withholding(r)
  r.headers_out["X-Certgate-Client-Thumbprint"] = "none"
  return handle(r)
end
