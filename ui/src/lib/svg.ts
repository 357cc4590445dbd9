// Turns the SVG document from `device_qr_svg` into an inline <svg> element, rebuilt from an
// allow-list of shapes and attributes. Inline (rather than an <img> with a data: or blob:
// URL) needs no CSP exception; rebuilding means no script, event handler, link or style
// from the document can ever reach the page.

const SVG_NS = 'http://www.w3.org/2000/svg';

const ELEMENTS = new Set(['svg', 'g', 'path', 'rect', 'polygon', 'circle', 'title']);

const ATTRIBUTES = new Set([
  'width',
  'height',
  'viewBox',
  'preserveAspectRatio',
  'shape-rendering',
  'x',
  'y',
  'cx',
  'cy',
  'r',
  'd',
  'points',
  'transform',
  'fill',
  'fill-rule',
  'stroke',
  'stroke-width',
]);

/** Colours and numbers only: no `url(...)` references to outside resources. */
function safeValue(value: string): boolean {
  return !/url\s*\(|javascript:|[<>]/i.test(value);
}

function rebuild(source: Element, doc: Document): Element | null {
  const tag = source.localName;
  if (source.namespaceURI !== SVG_NS || !ELEMENTS.has(tag)) return null;
  const el = doc.createElementNS(SVG_NS, tag);
  for (const attr of Array.from(source.attributes)) {
    if (attr.namespaceURI === null && ATTRIBUTES.has(attr.name) && safeValue(attr.value)) {
      el.setAttribute(attr.name, attr.value);
    }
  }
  for (const child of Array.from(source.childNodes)) {
    if (child.nodeType === 1) {
      const rebuilt = rebuild(child as Element, doc);
      if (rebuilt) el.appendChild(rebuilt);
    } else if (child.nodeType === 3 && tag === 'title') {
      el.appendChild(doc.createTextNode(child.textContent ?? ''));
    }
  }
  return el;
}

/** The QR code as a clean <svg> element, or null if `text` is not an SVG document. */
export function sanitizeSvg(text: string, doc: Document = document): SVGSVGElement | null {
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = parsed.documentElement;
  if (!root || root.getElementsByTagName('parsererror').length > 0) return null;
  const svg = rebuild(root, doc);
  if (!svg || svg.localName !== 'svg') return null;
  // Scale to the box the page gives it; keep the drawing's own coordinates.
  if (!svg.hasAttribute('viewBox')) {
    const w = svg.getAttribute('width');
    const h = svg.getAttribute('height');
    if (w && h && /^\d+(\.\d+)?$/.test(w) && /^\d+(\.\d+)?$/.test(h)) {
      svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    }
  }
  if (svg.hasAttribute('viewBox')) {
    svg.removeAttribute('width');
    svg.removeAttribute('height');
  }
  return svg as SVGSVGElement;
}
