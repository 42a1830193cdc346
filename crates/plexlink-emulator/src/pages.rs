//! Pages a person sees: `/link` (standing in for plex.tv/link, short codes) and `/auth`
//! (standing in for app.plex.tv/auth, the page a strong PIN's URL opens). Everything
//! reflected is HTML-escaped; the `/auth` fragment is read by script and shown with
//! `textContent`, never as HTML.

use http::{HeaderValue, Method, header};

use crate::reply::{self, Answer, Body, escape};
use crate::request::Req;
use crate::state::{EmuError, Shared};

type Response = http::Response<Body>;

/// Whether a path belongs to the pages.
pub(crate) fn is_page(path: &str) -> bool {
    matches!(path, "/link" | "/auth" | "/auth/" | "/auth/approve")
}

pub(crate) fn handle(shared: &Shared, req: &Req) -> Answer {
    let answer = match (&req.method, req.path.as_str()) {
        (&Method::GET, "/link") => link_form(shared, req.query_param("code").as_deref().unwrap_or(""), None, 200),
        (&Method::POST, "/link") => link_submit(shared, req),
        (&Method::GET, "/auth" | "/auth/") => auth_page(shared),
        (&Method::POST, "/auth/approve") => auth_approve(shared, req),
        _ => reply::html(405, page("Method not allowed", "<p>Method not allowed.</p>")),
    };
    answer.into()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#1f1f1f;color:#eee;display:flex;\
justify-content:center;padding-top:4em}main{background:#2b2b2b;padding:2em 3em;border-radius:8px;max-width:32em}\
h1{color:#e5a00d;margin-top:0}label{display:block;margin:1em 0}input,select,button{font-size:1.2em;padding:.3em}\
input[name=code]{text-transform:uppercase;letter-spacing:.3em;width:6em}button{background:#e5a00d;border:0;\
border-radius:4px;cursor:pointer}.error{color:#ff8080}.note{color:#999;font-size:.85em;margin-top:2em}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} - plexlink emulator</title>\
         <style>{STYLE}</style></head><body><main>{body}<p class=\"note\">plexlink emulator: a local stand-in for Plex, \
         no real account is involved.</p></main></body></html>\n",
        escape(title)
    )
}

fn account_select(shared: &Shared) -> String {
    let mut html = String::from("<label>Sign in as <select name=\"account\">");
    for a in &shared.scenario.accounts {
        html.push_str(&format!(
            "<option value=\"{}\">{} ({})</option>",
            escape(&a.username),
            escape(&a.title),
            escape(&a.username)
        ));
    }
    html.push_str("</select></label>");
    html
}

fn link_form(shared: &Shared, code: &str, error: Option<&str>, status: u16) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Link a device</h1>{error}<p>Enter the 4-character code shown on your device.</p>\
         <form method=\"post\" action=\"/link\"><label>Code <input name=\"code\" value=\"{}\" maxlength=\"4\" \
         autocomplete=\"off\" autofocus required></label>{}<button type=\"submit\">Link</button></form>",
        escape(code),
        account_select(shared)
    );
    reply::html(status, page("Link a device", &body))
}

fn link_submit(shared: &Shared, req: &Req) -> Response {
    let code = req.field("code").unwrap_or_default();
    let account = req.field("account").unwrap_or_default();
    match shared.approve_code(&code, &account, false) {
        Ok(_) => {
            let body = format!(
                "<h1>Device linked</h1><p>Code <b>{}</b> is now approved for <b>{}</b>. \
                 You can return to your device.</p><p><a href=\"/link\">Link another device</a></p>",
                escape(&code.to_ascii_uppercase()),
                escape(&account)
            );
            reply::html(200, page("Device linked", &body))
        }
        Err(EmuError::UnknownAccount(_)) => link_form(shared, &code, Some("Unknown account."), 400),
        Err(_) => link_form(shared, &code, Some("That code was not found or has expired."), 404),
    }
}

/// The app.plex.tv stand-in. The client opens `/auth#?clientID=..&code=..&context%5Bdevice%5D%5Bproduct%5D=..&forwardUrl=..`
/// (or `#!?`); the fragment never reaches the server, so a script reads it.
fn auth_page(shared: &Shared) -> Response {
    let body = format!(
        "<h1>Sign in to Plex</h1>\
         <p id=\"ask\"><b id=\"product\">An app</b> wants to use your Plex account.</p>\
         <p class=\"error\" id=\"missing\" hidden>This page was opened without a PIN code.</p>\
         <form method=\"post\" action=\"/auth/approve\" id=\"form\">\
         <input type=\"hidden\" name=\"code\" id=\"code\"><input type=\"hidden\" name=\"forwardUrl\" id=\"forwardUrl\">\
         {}<button type=\"submit\" id=\"approve\">Approve</button></form>\
         <p class=\"note\">Client <span id=\"client\"></span></p>\
         <script>{AUTH_SCRIPT}</script>",
        account_select(shared)
    );
    reply::html(200, page("Sign in", &body))
}

const AUTH_SCRIPT: &str = r#"
(function () {
  var raw = location.hash.replace(/^#!?/, '').replace(/^\?/, '');
  var p = new URLSearchParams(raw);
  var code = p.get('code') || '';
  document.getElementById('product').textContent = p.get('context[device][product]') || 'An app';
  document.getElementById('client').textContent = p.get('clientID') || '(unknown)';
  document.getElementById('code').value = code;
  document.getElementById('forwardUrl').value = p.get('forwardUrl') || '';
  if (!code) {
    document.getElementById('missing').hidden = false;
    document.getElementById('approve').disabled = true;
  }
})();
"#;

/// Approves the code (short or strong) and sends the browser on to `forwardUrl`, if it is an
/// http(s) URL (never a `javascript:` one).
fn auth_approve(shared: &Shared, req: &Req) -> Response {
    let code = req.field("code").unwrap_or_default();
    let account = req.field("account").unwrap_or_default();
    let forward = req.field("forwardUrl").unwrap_or_default();
    match shared.approve_code(&code, &account, true) {
        Ok(_) => {
            let forward_ok = forward.starts_with("http://") || forward.starts_with("https://");
            if forward_ok {
                if let Ok(location) = HeaderValue::from_str(&forward) {
                    let mut r = reply::html(
                        303,
                        page(
                            "Approved",
                            &format!("<p>Approved. <a href=\"{}\">Continue</a></p>", escape(&forward)),
                        ),
                    );
                    r.headers_mut().insert(header::LOCATION, location);
                    return r;
                }
            }
            let body = format!(
                "<h1>Approved</h1><p>The app is now signed in as <b>{}</b>. You can close this page.</p>",
                escape(&account)
            );
            reply::html(200, page("Approved", &body))
        }
        Err(EmuError::UnknownAccount(_)) => reply::html(400, page("Error", "<h1>Unknown account</h1>")),
        Err(_) => reply::html(
            404,
            page(
                "Error",
                "<h1>Code not found</h1><p class=\"error\">This sign-in request was not found or has expired.</p>",
            ),
        ),
    }
}
