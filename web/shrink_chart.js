// The Shrink view's chart: KL divergence against the original (y, log scale, one decade per
// gridline, ± one standard error as bars) over file size (x, MB from 0 to the original's size,
// drawn as a dashed line). One point per preset, the recommended one as a star. Plain SVG built
// with DOM calls (no library).
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 400;
const HEIGHT = 240;
const MARGIN = { left: 52, right: 14, top: 14, bottom: 38 };

function node(name, attributes = {}, text = '') {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text) element.textContent = text;
  return element;
}

// 1, 2 or 5 times a power of ten: about `count` steps over `span`.
export function niceStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw);
}

// Whole decades around the values (and their error bars), at least two decades tall.
export function decadeRange(lows, highs) {
  let low = Math.floor(Math.log10(Math.min(...lows)));
  let high = Math.ceil(Math.log10(Math.max(...highs)));
  while (high - low < 2) { low -= 1; high += 1; }
  return [low, high];
}

function decadeLabel(exponent) {
  return exponent >= -2 && exponent <= 2 ? String(10 ** exponent).replace(/(\.\d*?)0+$/, '$1') : `1e${exponent}`;
}

/**
 * @param {SVGSVGElement} svg
 * @param {Array<{ preset: string, sizeBytes: number, kl: number, klError: number, recommended?: boolean }>} points
 * @param {number} originalBytes
 */
export function drawShrinkChart(svg, points, originalBytes) {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren(node('title', {}, 'KL divergence from the original against file size'));
  const plotted = points.filter((p) => Number.isFinite(p.kl) && p.kl > 0);
  if (plotted.length === 0) return;
  // A bar's lower end below a tenth of its value is drawn at a tenth (log scales have no zero).
  const lowEnd = (p) => Math.max(p.kl - p.klError, p.kl / 10);
  const [yLow, yHigh] = decadeRange(plotted.map(lowEnd), plotted.map((p) => p.kl + p.klError));
  const mb = originalBytes / 1e6;
  const xStep = niceStep(mb, 5);
  const xHigh = Math.ceil((mb * 1.02) / xStep) * xStep;
  const x = (megabytes) => MARGIN.left + (megabytes / xHigh) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (kl) => HEIGHT - MARGIN.bottom - ((Math.log10(kl) - yLow) / (yHigh - yLow)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const bottom = HEIGHT - MARGIN.bottom;

  const grid = node('g', { class: 'grid' });
  const axes = node('g', { class: 'axes' });
  axes.append(node('line', { x1: x(0), y1: bottom, x2: x(xHigh), y2: bottom }),
              node('line', { x1: x(0), y1: bottom, x2: x(0), y2: MARGIN.top }));
  for (let tick = 0; tick <= xHigh + 1e-9; tick += xStep) {
    const label = xStep < 1 ? tick.toFixed(1) : String(Math.round(tick));
    axes.append(node('line', { x1: x(tick), y1: bottom, x2: x(tick), y2: bottom + 4 }),
                node('text', { x: x(tick), y: bottom + 15, 'text-anchor': 'middle' }, label));
  }
  for (let exponent = yLow; exponent <= yHigh; exponent++) {
    grid.append(node('line', { x1: x(0), y1: y(10 ** exponent), x2: x(xHigh), y2: y(10 ** exponent) }));
    axes.append(node('text', { x: x(0) - 4, y: y(10 ** exponent) + 3, 'text-anchor': 'end' }, decadeLabel(exponent)));
  }
  axes.append(node('line', { class: 'original', x1: x(mb), y1: bottom, x2: x(mb), y2: MARGIN.top, 'stroke-dasharray': '4 3' }),
              node('text', { x: x(mb) - 3, y: MARGIN.top + 9, 'text-anchor': 'end' }, 'original'),
              node('text', { x: (x(0) + x(xHigh)) / 2, y: HEIGHT - 4, 'text-anchor': 'middle' }, 'file size, MB'),
              node('text', { x: 12, y: (bottom + MARGIN.top) / 2, 'text-anchor': 'middle',
                             transform: `rotate(-90 12 ${(bottom + MARGIN.top) / 2})` }, 'KL divergence (log)'));
  svg.append(grid, axes);

  for (const point of plotted) {
    const cx = x(point.sizeBytes / 1e6);
    const cy = y(point.kl);
    const group = node('g', { class: `point${point.recommended ? ' recommended' : ''}`, 'data-preset': point.preset });
    group.append(node('title', {}, `${point.preset}: ${(point.sizeBytes / 1e6).toFixed(1)} MB, KL ${point.kl.toPrecision(3)} ± ${point.klError.toPrecision(2)}`));
    const top = y(point.kl + point.klError);
    const low = y(lowEnd(point));
    group.append(node('line', { class: 'error-bar', x1: cx, y1: top, x2: cx, y2: low }),
                 node('line', { class: 'error-bar', x1: cx - 3, y1: top, x2: cx + 3, y2: top }),
                 node('line', { class: 'error-bar', x1: cx - 3, y1: low, x2: cx + 3, y2: low }));
    if (point.recommended) {
      const corners = Array.from({ length: 10 }, (_, i) => {
        const radius = i % 2 === 0 ? 8 : 3.5;
        const angle = -Math.PI / 2 + (i * Math.PI) / 5;
        return `${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`;
      });
      group.append(node('polygon', { points: corners.join(' ') }));
    } else {
      group.append(node('circle', { cx, cy, r: 4 }));
    }
    const leftward = cx > (MARGIN.left + WIDTH - MARGIN.right) / 2;
    group.append(node('text', { x: leftward ? cx - 7 : cx + 7, y: cy - 5, 'text-anchor': leftward ? 'end' : 'start' },
                      point.recommended ? `${point.preset} ★` : point.preset));
    svg.append(group);
  }
}
