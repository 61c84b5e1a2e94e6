// Box drawing and block elements, painted as rectangles: font glyphs rarely fill a cell that is
// taller than the font, which leaves gaps in the frames and bars of mc, htop or dialog.
// [up, right, down, left] arm weights: 1 light, 2 heavy.
export const BOX_ARMS = {
  0x2500: [0, 1, 0, 1], 0x2501: [0, 2, 0, 2], 0x2502: [1, 0, 1, 0], 0x2503: [2, 0, 2, 0],
  0x250c: [0, 1, 1, 0], 0x250f: [0, 2, 2, 0], 0x2510: [0, 0, 1, 1], 0x2513: [0, 0, 2, 2],
  0x2514: [1, 1, 0, 0], 0x2517: [2, 2, 0, 0], 0x2518: [1, 0, 0, 1], 0x251b: [2, 0, 0, 2],
  0x251c: [1, 1, 1, 0], 0x2523: [2, 2, 2, 0], 0x2524: [1, 0, 1, 1], 0x252b: [2, 0, 2, 2],
  0x252c: [0, 1, 1, 1], 0x2533: [0, 2, 2, 2], 0x2534: [1, 1, 0, 1], 0x253b: [2, 2, 0, 2],
  0x253c: [1, 1, 1, 1], 0x254b: [2, 2, 2, 2],
  0x2574: [0, 0, 0, 1], 0x2575: [1, 0, 0, 0], 0x2576: [0, 1, 0, 0], 0x2577: [0, 0, 1, 0],
};

// Block elements as [left, top, right, bottom] in eighths of the cell, or a shade alpha.
export const BLOCKS = {
  0x2580: [0, 0, 8, 4], 0x2584: [0, 4, 8, 8], 0x2588: [0, 0, 8, 8], 0x258c: [0, 0, 4, 8],
  0x2590: [4, 0, 8, 8], 0x2594: [0, 0, 8, 1], 0x2595: [7, 0, 8, 8],
};
for (let n = 1; n <= 7; n++) {
  BLOCKS[0x2580 + n] = [0, 8 - n, 8, 8];
  BLOCKS[0x2590 - n] = [0, 0, n, 8];
}
export const SHADES = { 0x2591: 0.25, 0x2592: 0.5, 0x2593: 0.75 };

export function drawBoxGlyph(ctx, codePoint, left, top, width, height, thickness) {
  const shade = SHADES[codePoint];
  if (shade) {
    const alpha = ctx.globalAlpha;
    ctx.globalAlpha = alpha * shade;
    ctx.fillRect(left, top, width, height);
    ctx.globalAlpha = alpha;
    return true;
  }
  const block = BLOCKS[codePoint];
  if (block) {
    const x0 = left + Math.round((block[0] * width) / 8);
    const x1 = left + Math.round((block[2] * width) / 8);
    const y0 = top + Math.round((block[1] * height) / 8);
    const y1 = top + Math.round((block[3] * height) / 8);
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    return true;
  }
  const arms = BOX_ARMS[codePoint];
  if (!arms) return false;
  const centerX = left + Math.floor(width / 2);
  const centerY = top + Math.floor(height / 2);
  const [up, right, down, leftArm] = arms;
  const size = (weight) => thickness * weight;
  // Where the stroke of the given weight through the centre begins and ends.
  const startX = (weight) => centerX - Math.floor(size(weight) / 2);
  const startY = (weight) => centerY - Math.floor(size(weight) / 2);
  const vertical = Math.max(up, down);
  const horizontal = Math.max(right, leftArm);
  if (up) {
    const joint = horizontal || up;
    ctx.fillRect(startX(up), top, size(up), startY(joint) + size(joint) - top);
  }
  if (down) {
    const joint = horizontal || down;
    ctx.fillRect(startX(down), startY(joint), size(down), top + height - startY(joint));
  }
  if (leftArm) {
    const joint = vertical || leftArm;
    ctx.fillRect(left, startY(leftArm), startX(joint) + size(joint) - left, size(leftArm));
  }
  if (right) {
    const joint = vertical || right;
    ctx.fillRect(startX(joint), startY(right), left + width - startX(joint), size(right));
  }
  return true;
}
