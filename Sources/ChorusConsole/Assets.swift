import ChorusCore
import ChorusHTTP

/// The console's stylesheet and script, served from here (nothing is loaded from another host). Their
/// URLs carry a hash of their content, so browsers may keep them for good.
enum Assets {
    static let version: String = {
        var hash = SHA256()
        hash.update(stylesheet)
        hash.update(script)
        return String(SHA256.hex(hash.finalize()).prefix(12))
    }()

    static func response(_ name: String, request: HTTPRequest) -> HTTPResponse {
        let (type, text): (String, String)
        switch name {
        case "console.css": (type, text) = ("text/css; charset=utf-8", stylesheet)
        case "console.js": (type, text) = ("text/javascript; charset=utf-8", script)
        default: return .text("not found", status: .notFound)
        }
        let etag = "\"\(version)\""
        let cache = request.queryValue("v") == version ? "public, max-age=31536000, immutable" : "no-cache"
        if request.headers["If-None-Match"] == etag {
            return HTTPResponse(status: .notModified, headers: ["ETag": etag, "Cache-Control": cache])
        }
        return HTTPResponse(contentType: type, text: text, headers: ["ETag": etag, "Cache-Control": cache])
    }

    /// Phone first: one column, large targets; cards side by side when there is room; dark at night
    /// (`prefers-color-scheme`); logical properties, so right-to-left sections mirror.
    static let stylesheet = #"""
    :root { --bg: #fafafa; --fg: #1a1a1a; --muted: #5c5c5c; --card: #fff; --line: #d9d9d9; --accent: #0b57d0;
      --ok: #146c2e; --warn: #8a5300; --bad: #b3261e; --ins: #d7f5dd; --del: #fbe0de; --drill: #6d2b91;
      color-scheme: light dark; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #121212; --fg: #ececec; --muted: #a8a8a8; --card: #1e1e1e; --line: #3a3a3a; --accent: #8ab4f8;
        --ok: #6dd58c; --warn: #f0b45a; --bad: #f2b8b5; --ins: #1f4d2a; --del: #5c2624; --drill: #d7aefb; }
    }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; background: var(--bg); color: var(--fg);
      font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Hebrew", "Noto Sans Arabic", sans-serif; }
    a { color: var(--accent); }
    .top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem;
      border-block-end: 1px solid var(--line); background: var(--card); position: sticky; inset-block-start: 0; z-index: 2; }
    .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
    .logout { margin-inline-start: auto; display: flex; gap: .5rem; align-items: center; }
    .who { font-weight: 600; }
    .live-status { font-size: .85rem; color: var(--muted); }
    main { padding: 1rem; max-width: 90rem; margin: 0 auto; }
    h1 { font-size: 1.35rem; margin: .2rem 0 .6rem; }
    h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
    h3 { font-size: 1rem; margin: 1rem 0 .4rem; color: var(--muted); }
    .count { color: var(--muted); font-weight: 400; }
    .meta { color: var(--muted); font-size: .9rem; }
    button, select, input, textarea { font: inherit; }
    button { min-height: 2.75rem; padding: .4rem 1rem; border-radius: .5rem; border: 1px solid var(--line);
      background: var(--card); color: var(--fg); cursor: pointer; }
    button.primary { background: var(--ok); border-color: var(--ok); color: #fff; font-weight: 600; }
    button.danger { border-color: var(--bad); color: var(--bad); }
    button.quiet { min-height: 2.25rem; }
    input, select, textarea { min-height: 2.75rem; padding: .4rem .6rem; border: 1px solid var(--line); border-radius: .4rem;
      background: var(--bg); color: var(--fg); max-width: 100%; }
    textarea { width: 100%; }
    label { display: block; margin: .4rem 0; }
    .login form, .message { max-width: 26rem; }
    .login input { width: 100%; }
    .filters { display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: end; }
    .filters label { margin: 0; }
    .bundles { list-style: none; padding: 0; margin: 0; display: grid; gap: .6rem; }
    .bundle-item a { display: grid; gap: .25rem; padding: .75rem 1rem; background: var(--card); border: 1px solid var(--line);
      border-radius: .6rem; text-decoration: none; color: var(--fg); }
    .bundle-item .title { font-weight: 600; }
    .bundle-item .meta, .bundle-item .times { font-size: .9rem; color: var(--muted); }
    .drills .bundle-item a { border-inline-start: .35rem solid var(--drill); }
    .badge { display: inline-block; padding: .05rem .5rem; margin-inline-end: .3rem; border-radius: 1rem; font-size: .8rem;
      border: 1px solid var(--line); white-space: nowrap; }
    .badge.drill { border-color: var(--drill); color: var(--drill); font-weight: 700; }
    .state-pending { border-color: var(--warn); color: var(--warn); }
    .state-needs_edit, .state-rejected { border-color: var(--bad); color: var(--bad); }
    .state-approved, .state-released { border-color: var(--ok); color: var(--ok); }
    article.draft { color: var(--fg); }
    .flag, .problem, .facts-changed { padding: .4rem .6rem; border-radius: .4rem; border-inline-start: .25rem solid var(--warn); background: var(--card); }
    .problem { border-color: var(--bad); }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; }
    .evidence ol, .action-items ul, .trail { padding-inline-start: 1.2rem; }
    .role { font-size: .8rem; text-transform: uppercase; color: var(--muted); }
    .cards { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 21rem), 1fr)); }
    article.draft { background: var(--card); border: 1px solid var(--line); border-radius: .7rem; padding: .8rem; display: grid;
      gap: .4rem; align-content: start; }
    article.draft.state-approved { border-inline-start: .3rem solid var(--ok); }
    article.draft header { display: flex; flex-wrap: wrap; gap: .3rem .6rem; align-items: center; }
    .sender { font-weight: 600; }
    .channel { color: var(--muted); }
    .preview { display: grid; grid-template-columns: 2.5rem 1fr; gap: .6rem; padding: .7rem; border-radius: .6rem;
      border: 1px solid var(--line); background: var(--bg); }
    .avatar { inline-size: 2.5rem; block-size: 2.5rem; border-radius: 50%; display: grid; place-items: center;
      background: var(--line); font-weight: 700; font-size: .8rem; }
    .preview-x .avatar, .preview-bluesky .avatar, .preview-mastodon .avatar, .preview-threads .avatar { border-radius: 50%; }
    .preview-facebook .avatar, .preview-linkedin .avatar { border-radius: .4rem; }
    .preview .account { margin: 0; font-size: .9rem; }
    .handle { color: var(--muted); unicode-bidi: isolate; }
    .preview .text { margin: .2rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; }
    .length { margin: 0; display: flex; gap: .5rem; align-items: center; font-size: .9rem; }
    .length meter { inline-size: 8rem; }
    .length.over, .live-count.over { color: var(--bad); }
    .actions form { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .3rem 0; }
    .actions form.approve input { flex: 1 1 10rem; }
    .actions details form { display: block; }
    details > summary { cursor: pointer; min-height: 2.5rem; display: flex; align-items: center; }
    .diff { white-space: pre-wrap; overflow-wrap: anywhere; padding: .4rem .6rem; border: 1px dashed var(--line); border-radius: .4rem; }
    ins { background: var(--ins); text-decoration: none; }
    del { background: var(--del); }
    .notice { padding: .6rem .9rem; border-radius: .5rem; margin: .6rem 0; border: 1px solid var(--line); background: var(--card); }
    .notice.done { border-color: var(--ok); }
    .notice.stale { border-color: var(--warn); border-inline-start-width: .35rem; }
    .notice.refused { border-color: var(--bad); border-inline-start-width: .35rem; }
    .notice p { margin: 0; }
    .bulk { margin: .4rem 0; }
    .trail li { margin: .3rem 0; }
    time .clock { color: var(--muted); }
    [dir="rtl"] .preview .text { text-align: right; }
    @media (min-width: 48rem) { main { padding: 1.2rem 2rem; } h1 { font-size: 1.6rem; } }
    """#

    /// Live updates from the server's event stream, the length count while editing (measured by the
    /// server, which measures on save), and times in the reviewer's own time zone. Without it, everything
    /// still works: links and forms.
    static let script = #"""
    (() => {
      'use strict';
      const body = document.body;
      const csrf = body.dataset.csrf || '';
      const status = document.querySelector('.live-status');
      const clock = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

      function span(seconds) {
        const minutes = Math.round(seconds / 60);
        if (minutes < 60) return Math.max(1, minutes) + ' min';
        const hours = Math.floor(minutes / 60);
        if (hours < 24) return (minutes % 60 === 0 || hours >= 6) ? hours + ' h' : hours + ' h ' + (minutes % 60) + ' min';
        const days = Math.floor(hours / 24);
        return days + (days === 1 ? ' day' : ' days');
      }

      function localTimes(root) {
        root.querySelectorAll('time[data-local]').forEach((element) => {
          const date = new Date(element.getAttribute('datetime'));
          if (isNaN(date)) return;
          const seconds = (date - Date.now()) / 1000;
          const rel = element.querySelector('.rel');
          const local = element.querySelector('.clock');
          if (rel) rel.textContent = Math.abs(seconds) < 45 ? 'just now' : (seconds < 0 ? span(-seconds) + ' ago' : 'in ' + span(seconds));
          if (local) local.textContent = '(' + clock.format(date) + ')';
        });
      }

      function measure(area) {
        const out = area.form.querySelector('.live-count');
        let timer = 0;
        area.addEventListener('input', () => {
          clearTimeout(timer);
          timer = setTimeout(async () => {
            const form = new URLSearchParams({ channel: area.dataset.channel, text: area.value, csrf });
            try {
              const answer = await fetch('/measure', { method: 'POST', body: form, credentials: 'same-origin' });
              if (!answer.ok) return;
              const result = await answer.json();
              const over = result.length - result.limit;
              out.textContent = result.length + ' / ' + result.limit + (over > 0 ? ' — over by ' + over : '');
              out.classList.toggle('over', over > 0);
              out.dataset.length = String(result.length);
            } catch (error) { /* the count waits for the next keystroke */ }
          }, 120);
        });
      }

      function enhance(root) {
        localTimes(root);
        root.querySelectorAll('textarea[data-channel]').forEach(measure);
      }

      function editing() {
        const active = document.activeElement;
        if (active && active.closest('main') && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName)) return true;
        return Array.from(document.querySelectorAll('main textarea')).some((area) => area.value !== area.defaultValue);
      }

      let busy = false, again = false, waiting = false;
      async function refresh() {
        if (editing()) {
          waiting = true;
          if (status) status.textContent = 'changed meanwhile — reload when done';
          return;
        }
        if (busy) { again = true; return; }
        busy = true;
        try {
          const url = new URL(location.href);
          url.searchParams.delete('done');
          const answer = await fetch(url, { credentials: 'same-origin' });
          if (answer.ok) {
            const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
            const fresh = page.querySelector('main');
            const current = document.querySelector('main');
            if (fresh && current) {
              current.replaceWith(fresh);
              enhance(fresh);
              body.dataset.updated = String(Date.now());
              if (status) status.textContent = 'live · updated ' + clock.format(new Date());
            }
          }
        } catch (error) { /* the next event tries again */ }
        busy = false;
        if (again) { again = false; refresh(); }
      }

      document.addEventListener('focusout', () => { if (waiting && !editing()) { waiting = false; refresh(); } });

      const live = body.dataset.live;
      if (live && window.EventSource) {
        const source = new EventSource('/events');
        source.addEventListener('hello', () => {
          body.dataset.connected = '1';
          if (status) status.textContent = 'live';
        });
        source.addEventListener('bundle', (event) => {
          const ids = event.data.split(',').filter(Boolean);
          if (live === 'queue' || ids.length === 0 || ids.includes(live.slice('bundle:'.length))) refresh();
        });
        source.addEventListener('resync', refresh);
        source.onerror = () => { if (status) status.textContent = 'reconnecting…'; };
      }
      enhance(document);
      setInterval(() => localTimes(document), 30000);
    })();
    """#
}
