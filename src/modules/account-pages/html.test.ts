import { describe, expect, it } from 'vitest';
import { escapeHtml, html, rawHtml } from './html.js';

describe('html', () => {
  it('escapes every interpolated string, so a name cannot become markup', () => {
    const name = `<script>alert("x")</script>'&`;
    expect(html`<p>${name}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</p>');
  });

  // (The formatter lays templates out over lines: the whitespace between tags is not compared.)
  it('keeps nested fragments and arrays of them, and drops null, undefined and false', () => {
    const items = ['a<', 'b'].map((item) => html`<li>${item}</li>`);
    expect(
      html`<ul>
          ${items}
        </ul>
        ${null}${undefined}${false}${rawHtml('<hr>')}`.value.replace(/\s+/g, ''),
    ).toBe('<ul><li>a&lt;</li><li>b</li></ul><hr>');
  });

  it('escapes attribute quotes', () => {
    expect(escapeHtml(`" onload="x`)).toBe('&quot; onload=&quot;x');
  });
});
