/**
 * The one stylesheet of the hosted pages: system fonts, a single column, visible focus, and
 * colours that keep at least 4.5:1 contrast in light and dark schemes.
 */
export const ACCOUNT_STYLESHEET = `:root { color-scheme: light dark; --fg: #1a1a1a; --bg: #f6f6f4; --card: #fff; --muted: #555; --accent: #1f4fd1; --accent-fg: #fff; --error: #a40e0e; --success: #17622b; --border: #8a8a8a; }
@media (prefers-color-scheme: dark) { :root { --fg: #f0f0f0; --bg: #151515; --card: #222; --muted: #bbb; --accent: #8fb0ff; --accent-fg: #111; --error: #ff9b9b; --success: #8fdc9f; --border: #999; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 26rem; margin: 3rem auto; padding: 2rem; background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
.brand { margin: 0; color: var(--muted); font-size: .9rem; }
h1 { margin: .25rem 0 1.25rem; font-size: 1.5rem; }
.field { margin-bottom: 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input { width: 100%; padding: .6rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 4px; }
input[aria-invalid="true"] { border-color: var(--error); }
button, .button { display: inline-block; padding: .6rem 1.2rem; font: inherit; font-weight: 600; color: var(--accent-fg); background: var(--accent); border: 0; border-radius: 4px; cursor: pointer; text-decoration: none; }
button.secondary { color: var(--accent); background: transparent; border: 1px solid var(--accent); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.hint { margin: .25rem 0 0; color: var(--muted); font-size: .9rem; }
.error { margin: .25rem 0 0; color: var(--error); font-size: .9rem; }
.alert { padding: .75rem; margin-bottom: 1rem; border-radius: 4px; border: 1px solid currentColor; }
.alert-error { color: var(--error); }
.alert-success { color: var(--success); }
.actions { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin-top: 1.25rem; }
`;
