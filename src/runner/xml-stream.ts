import { constants } from 'node:fs';
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { openBeneath, type FileBeneath } from './file-beneath.ts';

/** What a streamed XML document is handed to: its elements as they open and close, and their text. */
export interface XmlHandler {
  open(tag: SaxesTagPlain, depth: number): void;
  close(name: string, depth: number): void;
  text?(text: string): void;
  /** Something the log should say of a report that is read all the same (an unknown encoding). */
  warning?(message: string): void;
}

/** A report that is not well-formed XML: where and why. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/**
 * The most characters one text, CDATA section or attribute value of a report may have (comments,
 * processing instructions and a DOCTYPE are not held: UNHEARD). saxes gathers each into one
 * string: V8 has none of 2^29 characters (a report of 512 MiB that was one text threw a
 * RangeError, which failed the build, where a malformed report is only left out of the counts),
 * and one appended a character or two at a time (a CDATA section of `]a]a]a...`) takes some 30
 * bytes a character until it ends: 32M characters bound that to about 1 GB, and a test's output
 * kept whole in a report is rarely a tenth of it. Checked after each chunk, so bounded within one.
 */
export const MAX_XML_TOKEN = 32 * 1024 * 1024;

/**
 * Streams the XML file `file` through saxes (a conforming, non-validating parser) into
 * `handler`, whatever the file's size: saxes holds one text, CDATA section or attribute value
 * whole (at most `maxToken` characters; appended a character or two at a time, as in a CDATA
 * section of `]a]a]a...`, it takes some 30 bytes a character until it is done), of a comment,
 * processing instruction or DOCTYPE at most a chunk's worth (UNHEARD), nothing more. The
 * file is opened without following a symbolic link in any component (file-beneath.ts). saxes
 * expands no entity but XML's five and fetches no DTD, so a report cannot make the runner read
 * other files. The bytes are decoded by their byte order mark or the encoding the XML declaration
 * names (encodingOf), streamed too. Throws XmlSyntaxError for a malformed file, or one with a text
 * longer than `maxToken`.
 */
export async function streamXml(
  file: FileBeneath,
  handler: XmlHandler,
  maxToken = MAX_XML_TOKEN,
): Promise<void> {
  const parser = new SaxesParser({ position: true });
  let depth = 0;
  let failure: string | undefined;
  parser.on('error', (error) => {
    failure ??= `line ${parser.line}, column ${parser.column + 1}: ${error.message.replace(/^(?:.*?:)?\d+:\d+: /, '')}`;
    throw new XmlSyntaxError(failure);
  });
  parser.on('opentag', (tag) => handler.open(tag as SaxesTagPlain, depth++));
  parser.on('closetag', (tag) => handler.close(tag.name, --depth));
  if (handler.text) {
    const text = handler.text.bind(handler);
    parser.on('text', text);
    parser.on('cdata', text);
  }
  const handle = await openBeneath(file, constants.O_RDONLY);
  const stream = handle.createReadStream({ highWaterMark: 256 * 1024 });
  let decoder: TextDecoder | undefined;
  // The file's first bytes, held until they name its encoding (a read of a file is rarely shorter).
  let head: Buffer | undefined = Buffer.alloc(0);
  const write = (bytes: Buffer) => {
    if (!decoder) {
      const { encoding, unknown } = encodingOf(bytes);
      decoder = new TextDecoder(encoding);
      if (unknown !== undefined)
        handler.warning?.(
          `declares the encoding "${cutName(unknown)}", which the runner does not know: read as UTF-8`,
        );
    }
    parser.write(decoder.decode(bytes, { stream: true }));
    // What saxes holds of the token it is in; dropped when no handler is to hear it.
    const inside = parser as unknown as { text?: unknown; state?: number; stateTable?: unknown[] };
    if (UNHEARD.has(inside.stateTable?.[inside.state ?? -1])) inside.text = '';
    const pending = inside.text;
    if (typeof pending === 'string' && pending.length > maxToken)
      throw new XmlSyntaxError(
        `line ${parser.line}: a text, CDATA section or attribute value of more than ${maxToken} characters`,
      );
  };
  try {
    for await (const chunk of stream) {
      if (head) {
        head = Buffer.concat([head, chunk as Buffer]);
        if (head.length < HEAD_BYTES) continue;
        const bytes = head;
        head = undefined;
        write(bytes);
      } else write(chunk as Buffer);
    }
    if (head?.length) write(head);
    if (decoder) parser.write(decoder.decode());
    parser.close();
  } finally {
    stream.destroy();
  }
}

/**
 * saxes' states (its methods, by name: their numbers are not exported) whose gathered text goes
 * only to a handler streamXml does not set: a comment's, a processing instruction's, a DOCTYPE's.
 * That text is dropped after each chunk, so a hostile comment of `-a-a-a...` (some 30 bytes a
 * character in saxes) costs one chunk's worth, not up to maxToken's, and is no reason to leave a
 * report unread. No state's check reads the text (sPIBody skips spaces while it is empty: no matter).
 */
const UNHEARD = new Set<unknown>(
  [
    'sComment',
    'sCommentEnding',
    'sPIBody',
    'sPIEnding',
    'sDoctype',
    'sDoctypeQuote',
    'sDTD',
    'sDTDQuoted',
    'sDTDOpenWaka',
    'sDTDOpenWakaBang',
    'sDTDComment',
    'sDTDCommentEnding',
    'sDTDCommentEnded',
    'sDTDPI',
    'sDTDPIEnding',
  ]
    .map((name) => (SaxesParser.prototype as unknown as Record<string, unknown>)[name])
    .filter((state) => typeof state === 'function'),
);

/** Enough of a report's start to hold its XML declaration (a few dozen bytes as tools write it). */
const HEAD_BYTES = 1024;

/**
 * A report's encoding (XML 1.0, appendix F). A byte order mark decides first: UTF-8, or UTF-16
 * (which every XML parser must read, and some .NET and Windows tools write; read as UTF-8, it was
 * "not well-formed XML (line 1, column 4: text data outside of root node)"); the decoder drops the
 * mark. Else a first `<` of two bytes is UTF-16 without a mark. Else the encoding the XML
 * declaration names, when TextDecoder knows it (old Surefire and Ant reports say ISO-8859-1, some
 * Windows tools windows-1252: read as UTF-8, their "café" came out "caf\uFFFD"). WHATWG's labels:
 * ISO-8859-1 and US-ASCII are read as windows-1252, a superset. A name TextDecoder does not know is
 * `unknown`, and the report read as UTF-8; so is one that declares UTF-16 in one-byte characters
 * (which it then is not: browsers read such a page as UTF-8 too), but saying nothing.
 */
function encodingOf(start: Buffer): { encoding: string; unknown?: string } {
  if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) return { encoding: 'utf-8' };
  if (start[0] === 0xff && start[1] === 0xfe) return { encoding: 'utf-16le' };
  if (start[0] === 0xfe && start[1] === 0xff) return { encoding: 'utf-16be' };
  if (start[0] === 0x3c && start[1] === 0x00) return { encoding: 'utf-16le' };
  if (start[0] === 0x00 && start[1] === 0x3c) return { encoding: 'utf-16be' };
  // The declaration is ASCII in every encoding left, so read as Latin-1 it says the same.
  const declared = /^<\?xml[ \t\r\n][^>]*?[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"'>]*)\1/.exec(
    start.subarray(0, HEAD_BYTES).toString('latin1'),
  )?.[2];
  if (declared === undefined) return { encoding: 'utf-8' };
  let encoding: string;
  try {
    encoding = new TextDecoder(declared).encoding;
  } catch {
    return { encoding: 'utf-8', unknown: declared };
  }
  return { encoding: encoding.startsWith('utf-16') ? 'utf-8' : encoding };
}

/** An encoding's name as the log shows it: printable ASCII, at most 40 characters. */
function cutName(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}

/** The element's local name (a prefix such as `ns:` dropped). */
export function localName(tag: { name: string }): string {
  const i = tag.name.indexOf(':');
  return i < 0 ? tag.name : tag.name.slice(i + 1);
}
