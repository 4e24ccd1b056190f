import type { Build } from './build.ts';

/** What a status badge says and its colour. */
export interface BadgeStatus {
  message: string;
  color: string;
}

const GREEN = '#2ea44f';
const RED = '#cf222e';
const BLUE = '#0969da';
const GREY = '#6e7781';

/** The badge of a branch's newest build (undefined: it has none). */
export function badgeStatus(build: Build | undefined): BadgeStatus {
  if (!build) return { message: 'no builds', color: GREY };
  if (build.runningStatus !== 'Finished') return { message: 'running', color: BLUE };
  switch (build.state) {
    case 'SUCCESS':
      return { message: 'passing', color: GREEN };
    case 'FAILURE':
      return { message: 'failing', color: RED };
    case 'timeout':
      return { message: 'timed out', color: RED };
    default:
      return { message: 'aborted', color: GREY };
  }
}

/**
 * Widths of Verdana 11px's characters (as shields.io lays its badges out), in tenths of a pixel,
 * for the letters a badge uses; others count as wide as 'n'.
 */
const WIDTHS: Record<string, number> = {
  ' ': 38,
  a: 66,
  b: 69,
  c: 57,
  d: 69,
  e: 66,
  f: 39,
  g: 69,
  h: 70,
  i: 30,
  l: 30,
  m: 107,
  n: 70,
  o: 67,
  p: 69,
  r: 47,
  s: 57,
  t: 43,
  u: 70,
  v: 65,
  w: 90,
};

function textWidth(text: string): number {
  let tenths = 0;
  for (const ch of text) tenths += WIDTHS[ch] ?? 70;
  return Math.ceil(tenths / 10);
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A flat two-part badge, `label | message`, as an SVG document. */
export function badgeSvg(label: string, status: BadgeStatus): string {
  const left = textWidth(label) + 12;
  const right = textWidth(status.message) + 12;
  const width = left + right;
  const title = escapeXml(`${label}: ${status.message}`);
  const text = (x: number, value: string) =>
    `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(value)}</text><text x="${x}" y="14">${escapeXml(value)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`,
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${status.color}"/><rect width="${width}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`,
    text(left / 2, label),
    text(left + right / 2, status.message),
    `</g></svg>`,
  ].join('');
}
