"""Accessibility checks run on every page the browser tests screenshot (common.shoot_both): form fields labelled,
text contrast at least WCAG AA (4.5:1, 3:1 for large text), a language, a title and a main landmark, no positive
tabindex, buttons and links with a name, images with alt text. Returns the problems found (empty when none)."""

SCRIPT = r"""
const problems = [];
const visible = el => { if (el.checkVisibility && !el.checkVisibility({checkVisibilityCSS: true, contentVisibilityAuto: true})) return false;
  const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
if (!document.documentElement.lang) problems.push('<html> has no lang');
if (!document.title.trim()) problems.push('the page has no <title>');
if (!document.querySelector('main')) problems.push('no <main> landmark');
for (const el of document.querySelectorAll('input, select, textarea')) {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset'].includes(type)) continue;
  const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) ||
    el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
  if (!labelled) problems.push('form field without a label: ' + describe(el));
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (!visible(el)) continue;
  const name = (el.innerText || el.textContent || '').trim() || el.getAttribute('aria-label') || el.getAttribute('title');
  if (!name) problems.push('a button or link without a name: ' + describe(el));
}
for (const el of document.querySelectorAll('[tabindex]')) {
  if (parseInt(el.getAttribute('tabindex'), 10) > 0) problems.push('positive tabindex: ' + describe(el));
}
for (const el of document.querySelectorAll('img')) {
  if (!el.hasAttribute('alt')) problems.push('image without alt: ' + describe(el));
}
const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(',').map(x => parseFloat(x)); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const background = el => { let layers = [];
  for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
  let base = {r: 255, g: 255, b: 255};
  for (const c of layers.reverse()) base = {r: c.r * c.a + base.r * (1 - c.a), g: c.g * c.a + base.g * (1 - c.a), b: c.b * c.a + base.b * (1 - c.a)};
  return base; };
const seen = new Set();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (!node.textContent.trim()) continue;
  const el = node.parentElement;
  if (!el || seen.has(el) || el.closest('svg') || !visible(el)) continue;
  seen.add(el);
  const style = getComputedStyle(el);
  const fg = parse(style.color); if (!fg) continue;
  const bg = background(el);
  const blended = {r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a)};
  const [l1, l2] = [lum(blended), lum(bg)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ':1 for "' +
    node.textContent.trim().slice(0, 30) + '" (' + describe(el) + ', ' + style.color + ' on rgb(' +
    [bg.r, bg.g, bg.b].map(Math.round).join(',') + '))');
}
return problems;
"""


def problems(driver) -> list:
    """The accessibility problems of the page now shown."""
    return driver.execute_script(SCRIPT)
