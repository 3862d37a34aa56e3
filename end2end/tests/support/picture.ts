import { PNG } from "pngjs";

/** A decoded screenshot: RGBA, four bytes a pixel, row by row. */
export interface Picture {
  width: number;
  height: number;
  data: Buffer;
}

/** A rectangle in the picture's pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the pixels of a region are made of. */
export interface Colours {
  pixels: number;
  /** Distinct RGB colours. */
  distinct: number;
  /** The share of the pixels that are not the region's commonest colour (its background). */
  notBackground: number;
}

export function decodePng(buffer: Buffer): Picture {
  const png = PNG.sync.read(buffer);
  return { width: png.width, height: png.height, data: png.data };
}

/**
 * The colours of `region` (the whole picture if absent), clipped to the picture. An empty
 * region has no pixels, no colours and nothing but background.
 */
export function coloursOf(picture: Picture, region?: Region): Colours {
  const x0 = Math.max(0, Math.floor(region?.x ?? 0));
  const y0 = Math.max(0, Math.floor(region?.y ?? 0));
  const x1 = Math.min(picture.width, Math.ceil(region ? region.x + region.width : picture.width));
  const y1 = Math.min(picture.height, Math.ceil(region ? region.y + region.height : picture.height));
  const counts = new Map<number, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * picture.width + x) * 4;
      const rgb = (picture.data[i] << 16) | (picture.data[i + 1] << 8) | picture.data[i + 2];
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
  }
  const pixels = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  let commonest = 0;
  for (const count of counts.values()) {
    commonest = Math.max(commonest, count);
  }
  return { pixels, distinct: counts.size, notBackground: pixels === 0 ? 0 : (pixels - commonest) / pixels };
}
