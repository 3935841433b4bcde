/**
 * Integer ranges (minimum / maximum / exclusive bounds) as a GBNF expression over decimal digits,
 * digit by digit as llama.cpp's _generate_min_max_int writes it (same text, same structure).
 * @module json_schema_integers
 */

/** @param {string} c @param {number} delta */
const shiftChar = (c, delta) => String.fromCharCode(c.charCodeAt(0) + delta);

/**
 * @param {number | undefined} min
 * @param {number | undefined} max
 * @param {string[]} out
 * @param {number} decimalsLeft
 * @param {boolean} topLevel
 */
function generateMinMax(min, max, out, decimalsLeft, topLevel) {
  const digitRange = (/** @type {string} */ from, /** @type {string} */ to) => {
    out.push('[', from);
    if (from !== to) out.push('-', to);
    out.push(']');
  };
  const moreDigits = (/** @type {number} */ minDigits, /** @type {number} */ maxDigits) => {
    out.push('[0-9]');
    if (minDigits === maxDigits && minDigits === 1) return;
    out.push('{', String(minDigits));
    if (maxDigits !== minDigits) out.push(',', String(maxDigits));
    out.push('}');
  };
  /** Every number of from.length digits between from and to (equal lengths). */
  const uniformRange = (/** @type {string} */ from, /** @type {string} */ to) => {
    let i = 0;
    while (i < from.length && from[i] === to[i]) i++;
    if (i > 0) out.push('"', from.slice(0, i), '"');
    if (i >= from.length) return;
    if (i > 0) out.push(' ');
    const subLength = from.length - i - 1;
    if (subLength <= 0) {
      out.push('[', from[i], '-', to[i], ']');
      return;
    }
    const fromSub = from.slice(i + 1);
    const toSub = to.slice(i + 1);
    const zeros = '0'.repeat(subLength);
    const nines = '9'.repeat(subLength);
    let toReached = false;
    out.push('(');
    if (fromSub === zeros) {
      digitRange(from[i], shiftChar(to[i], -1));
      out.push(' ');
      moreDigits(subLength, subLength);
    } else {
      out.push('[', from[i], '] (');
      uniformRange(fromSub, nines);
      out.push(')');
      if (from.charCodeAt(i) < to.charCodeAt(i) - 1) {
        out.push(' | ');
        if (toSub === nines) {
          digitRange(shiftChar(from[i], 1), to[i]);
          toReached = true;
        } else {
          digitRange(shiftChar(from[i], 1), shiftChar(to[i], -1));
        }
        out.push(' ');
        moreDigits(subLength, subLength);
      }
    }
    if (!toReached) {
      out.push(' | ');
      digitRange(to[i], to[i]);
      out.push(' ');
      uniformRange(zeros, toSub);
    }
    out.push(')');
  };

  if (min !== undefined && max !== undefined) {
    if (min < 0 && max < 0) {
      out.push('"-" (');
      generateMinMax(-max, -min, out, decimalsLeft, true);
      out.push(')');
      return;
    }
    if (min < 0) {
      out.push('"-" (');
      generateMinMax(0, -min, out, decimalsLeft, true);
      out.push(') | ');
      min = 0;
    }
    let minText = String(min);
    const maxText = String(max);
    for (let digits = minText.length; digits < maxText.length; digits++) {
      uniformRange(minText, '9'.repeat(digits));
      minText = `1${'0'.repeat(digits)}`;
      out.push(' | ');
    }
    uniformRange(minText, maxText);
    return;
  }

  const lessDecimals = Math.max(decimalsLeft - 1, 1);
  if (min !== undefined) {
    if (min < 0) {
      out.push('"-" (');
      generateMinMax(undefined, -min, out, decimalsLeft, false);
      out.push(') | [0] | [1-9] ');
      moreDigits(0, decimalsLeft - 1);
    } else if (min === 0) {
      if (topLevel) {
        out.push('[0] | [1-9] ');
        moreDigits(0, lessDecimals);
      } else {
        moreDigits(1, decimalsLeft);
      }
    } else if (min <= 9) {
      const c = String(min);
      const rangeStart = topLevel ? '1' : '0';
      if (c > rangeStart) {
        digitRange(rangeStart, shiftChar(c, -1));
        out.push(' ');
        moreDigits(1, lessDecimals);
        out.push(' | ');
      }
      digitRange(c, '9');
      out.push(' ');
      moreDigits(0, lessDecimals);
    } else {
      const minText = String(min);
      const c = minText[0];
      if (c > '1') {
        digitRange(topLevel ? '1' : '0', shiftChar(c, -1));
        out.push(' ');
        moreDigits(minText.length, lessDecimals);
        out.push(' | ');
      }
      digitRange(c, c);
      out.push(' (');
      generateMinMax(Number(minText.slice(1)), undefined, out, lessDecimals, false);
      out.push(')');
      if (c < '9') {
        out.push(' | ');
        digitRange(shiftChar(c, 1), '9');
        out.push(' ');
        moreDigits(minText.length - 1, lessDecimals);
      }
    }
    return;
  }
  // Only a maximum.
  if (/** @type {number} */ (max) >= 0) {
    if (topLevel) {
      out.push('"-" [1-9] ');
      moreDigits(0, lessDecimals);
      out.push(' | ');
    }
    generateMinMax(0, max, out, decimalsLeft, true);
  } else {
    out.push('"-" (');
    generateMinMax(-(/** @type {number} */ (max)), undefined, out, decimalsLeft, false);
    out.push(')');
  }
}

/**
 * The GBNF expression (without the surrounding parentheses) of the integers in [min, max]; either
 * bound may be missing, not both.
 * @param {{ min?: number, max?: number }} bounds
 * @returns {string}
 */
export function integerRangeRule({ min, max }) {
  /** @type {string[]} */
  const out = [];
  generateMinMax(min, max, out, 16, true);
  return out.join('');
}
