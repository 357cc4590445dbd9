import { describe, expect, it } from 'vitest';
import { sanitizeSvg } from './svg';

// What the `qrcode` crate's SVG renderer produces, trimmed.
const QR = `<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="58" height="58" viewBox="0 0 58 58" shape-rendering="crispEdges"><path fill="#fff" d="M0 0h58v58H0z"/><path fill="#000" d="M4 4h7v1H4z"/></svg>`;

describe('sanitizeSvg', () => {
  it('keeps the drawing and makes it scalable', () => {
    const svg = sanitizeSvg(QR);
    expect(svg).not.toBeNull();
    expect(svg?.namespaceURI).toBe('http://www.w3.org/2000/svg');
    expect(svg?.getAttribute('viewBox')).toBe('0 0 58 58');
    expect(svg?.hasAttribute('width')).toBe(false);
    const paths = svg?.querySelectorAll('path') ?? [];
    expect(paths).toHaveLength(2);
    expect(paths[1]?.getAttribute('d')).toBe('M4 4h7v1H4z');
    expect(paths[1]?.getAttribute('fill')).toBe('#000');
  });

  it('drops scripts, handlers, links, styles and outside references', () => {
    const evil = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 1 1" onload="alert(1)">
      <script>alert(2)</script><style>*{}</style>
      <a xlink:href="javascript:alert(3)"><rect width="1" height="1"/></a>
      <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
      <rect width="1" height="1" fill="url(https://example.com/x)" onclick="alert(4)" style="fill:red"/>
      <image href="https://example.com/track.png"/>
    </svg>`;
    const svg = sanitizeSvg(evil);
    expect(svg).not.toBeNull();
    const html = svg?.outerHTML ?? '';
    expect(html).not.toMatch(/script|onload|onclick|style|href|foreignObject|image|url\(|alert/i);
    expect(svg?.querySelectorAll('rect')).toHaveLength(1);
  });

  it('makes a viewBox from plain width and height', () => {
    const svg = sanitizeSvg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"><rect width="1" height="1"/></svg>');
    expect(svg?.getAttribute('viewBox')).toBe('0 0 10 20');
  });

  it('refuses what is not SVG', () => {
    expect(sanitizeSvg('not xml at all <')).toBeNull();
    expect(sanitizeSvg('<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')).toBeNull();
  });
});
