/**
 * The look of /docs (src/http/docs-page.ts): inline CSS, the only thing the page's CSP lets it use. System
 * fonts, light and dark schemes, a sticky route index beside the reference, one column on narrow screens.
 */
export const DOCS_STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --line: #d1d9e0; --link: #0969da;
  --get: #1a7f37; --post: #0969da; --put: #9a6700; --delete: #cf222e; --other: #8250df; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --line: #3d444d; --link: #4493f8;
  --get: #3fb950; --post: #4493f8; --put: #d29922; --delete: #f85149; --other: #ab7df8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
  display: grid; grid-template-columns: 19rem 1fr; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
nav { position: sticky; top: 0; height: 100vh; overflow: auto; padding: 1rem; border-right: 1px solid var(--line); background: var(--panel); font-size: 13px; }
nav h3 { margin: 1rem 0 .3rem; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; }
nav ul { list-style: none; margin: 0; padding: 0; } nav li { margin: .15rem 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav a { color: var(--fg); }
main { padding: 1.5rem 2.5rem 4rem; max-width: 64rem; min-width: 0; }
h1 .version { font-size: 60%; color: var(--muted); font-weight: normal; }
section > h2 { margin-top: 2.5rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
article { margin: 1.2rem 0; padding: 1rem 1.2rem; border: 1px solid var(--line); border-radius: 8px; }
article h3 { margin: 0 0 .4rem; font-size: 17px; word-break: break-all; }
article h4 { margin: 1rem 0 .3rem; font-size: 14px; }
.summary { font-weight: 600; margin: .2rem 0; }
.method { display: inline-block; min-width: 3.6em; font: bold 12px/1.6 ui-monospace, monospace; text-align: center; color: #fff; border-radius: 4px; padding: 0 .3em; background: var(--other); }
.method-get { background: var(--get); } .method-post { background: var(--post); } .method-put { background: var(--put); } .method-delete { background: var(--delete); }
.status { display: inline-block; font: bold 13px ui-monospace, monospace; padding: 0 .35em; border-radius: 4px; border: 1px solid var(--line); }
.status-ok { color: var(--get); } .status-other { color: var(--delete); }
.optional, .rules, .example, .type, .auth { color: var(--muted); font-size: 13px; }
.type { font-weight: normal; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; color: var(--muted); }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .7rem; overflow: auto; margin: .3rem 0; }
ul.responses { list-style: none; padding: 0; } li.response { margin: .5rem 0; }
li.response-other { margin: .15rem 0; } li.response-other .media { display: inline; margin-left: .6em; color: var(--muted); }
summary { cursor: pointer; color: var(--muted); font-size: 13px; }
@media (max-width: 50rem) { body { display: block; } nav { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--line); } main { padding: 1rem; } }
`;
