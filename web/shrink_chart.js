// The Shrink view's chart: perplexity (y) against file size as % of the original (x), one point
// per preset, the recommended preset drawn as a star. Plain SVG built with DOM calls (no library).
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 360;
const HEIGHT = 220;
const MARGIN = { left: 48, right: 12, top: 12, bottom: 36 };

function node(name, attributes = {}, text = '') {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text) element.textContent = text;
  return element;
}

// Round axis bounds with a little room around the data.
function axisRange(values, minimumSpan) {
  let low = Math.min(...values);
  let high = Math.max(...values);
  const span = Math.max(high - low, minimumSpan);
  low -= span * 0.1;
  high += span * 0.1;
  return [low, high];
}

/**
 * Draws the chart into `svg`.
 * @param {SVGSVGElement} svg
 * @param {Array<{ preset: string, percent: number, ppl: number, recommended?: boolean, original?: boolean }>} points
 */
export function drawShrinkChart(svg, points) {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren();
  svg.append(node('title', {}, 'Perplexity against file size (% of the original)'));
  const plotted = points.filter((p) => Number.isFinite(p.ppl));
  if (plotted.length === 0) return;
  const [xLow, xHigh] = [0, Math.max(100, ...plotted.map((p) => p.percent)) + 5];
  const [yLow, yHigh] = axisRange(plotted.map((p) => p.ppl), 0.5);
  const x = (value) => MARGIN.left + ((value - xLow) / (xHigh - xLow)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value) => HEIGHT - MARGIN.bottom - ((value - yLow) / (yHigh - yLow)) * (HEIGHT - MARGIN.top - MARGIN.bottom);

  const axes = node('g', { class: 'axes' });
  axes.append(node('line', { x1: x(xLow), y1: y(yLow), x2: x(xHigh), y2: y(yLow) }),
              node('line', { x1: x(xLow), y1: y(yLow), x2: x(xLow), y2: y(yHigh) }));
  for (const tick of [0, 25, 50, 75, 100]) {
    axes.append(node('line', { x1: x(tick), y1: y(yLow), x2: x(tick), y2: y(yLow) + 4 }),
                node('text', { x: x(tick), y: y(yLow) + 15, 'text-anchor': 'middle' }, `${tick}%`));
  }
  for (let i = 0; i <= 3; i++) {
    const value = yLow + ((yHigh - yLow) * i) / 3;
    axes.append(node('text', { x: x(xLow) - 4, y: y(value) + 4, 'text-anchor': 'end' }, value.toFixed(value < 100 ? 2 : 0)));
  }
  axes.append(node('text', { x: (x(xLow) + x(xHigh)) / 2, y: HEIGHT - 4, 'text-anchor': 'middle' }, 'file size, % of the original'),
              node('text', { x: 12, y: (y(yLow) + y(yHigh)) / 2, 'text-anchor': 'middle',
                             transform: `rotate(-90 12 ${(y(yLow) + y(yHigh)) / 2})` }, 'perplexity'));
  svg.append(axes);

  for (const point of plotted) {
    const cx = x(point.percent);
    const cy = y(point.ppl);
    const group = node('g', { class: `point${point.recommended ? ' recommended' : ''}${point.original ? ' original' : ''}`,
                              'data-preset': point.preset });
    group.append(node('title', {}, `${point.preset}: ${point.percent.toFixed(1)}% of the size, perplexity ${point.ppl.toFixed(3)}`));
    if (point.recommended) {
      // A five-pointed star around (cx, cy).
      const corners = Array.from({ length: 10 }, (_, i) => {
        const radius = i % 2 === 0 ? 8 : 3.5;
        const angle = -Math.PI / 2 + (i * Math.PI) / 5;
        return `${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`;
      });
      group.append(node('polygon', { points: corners.join(' ') }));
    } else {
      group.append(node('circle', { cx, cy, r: 4 }));
    }
    // Labels of points in the right half go to their left, so none runs off the chart.
    const leftward = cx > (MARGIN.left + WIDTH - MARGIN.right) / 2;
    group.append(node('text', { x: leftward ? cx - 6 : cx + 6, y: cy - 6, 'text-anchor': leftward ? 'end' : 'start' },
                      point.recommended ? `${point.preset} (recommended)` : point.preset));
    svg.append(group);
  }
}
